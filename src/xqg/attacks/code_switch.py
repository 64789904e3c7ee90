"""Code-switching into English, in two kinds that the study keeps apart:

- ``code_switch`` (an attack; Tan & Joty 2021 attack real code-mixers this way): replace a content word
  that is not a name by its English translation from a bilingual dictionary. The information need stays;
  the wording changes language. Without a dictionary for a language it changes nothing there (coverage is
  reported; the default configures none, see README).
- ``entity_anglicisation`` (a query variation, not an attack): replace a country or language name by its
  English name. Against an English corpus this hands the retriever the key term (recall can rise), so it
  is reported apart from the attacks and never pooled with them.

Lexicons:
- names, built in, offline, all seven languages: CLDR territory and language names through ``babel``
  (``Locale(lang).territories[code]`` and ``Locale("en").territories[code]`` name the same thing), so
  country and language names switch to English ("Финляндии" -> "Finland").
- words, optional, per language (``attacks.resources.code_switch.<lang>``): a bilingual dictionary file,
  either two tab-separated columns ``word<TAB>english`` or a dictd database (``.index`` next to ``.dict``
  / ``.dict.dz``, the layout of Debian's FreeDict packages ``dict-freedict-ara-eng``, ``-fin-eng``,
  ``-jpn-eng``); the first English sense of each headword is used. Dictionary words inside a name are
  left to ``entity_anglicisation``.

Matching: Japanese by substring (no spaces); Korean at the start of a word, keeping the particle that
follows ("핀란드의" -> "Finland의"); other languages at the start of a word, allowing an inflectional
ending of up to 4 letters after the name or after its stem (the name minus its last letter, for names of
5+ letters), and the whole inflected word is replaced ("Suomessa" -> "Finland").
"""

from __future__ import annotations

import functools
import gzip
import logging
import os
import random
from collections.abc import Mapping
from pathlib import Path

import regex

from xqg.attacks.base import Perturbation, check_budget, perturbation, replace_spans, unchanged
from xqg.attacks.segmentation import graphemes, words
from xqg.formats import InputFormatError

logger = logging.getLogger("xqg.attacks")

LANGUAGES = frozenset({"ar", "bn", "fi", "ja", "ko", "ru", "te"})
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


@functools.lru_cache(maxsize=None)
def cldr_lexicon(lang: str) -> dict[str, str]:
    """Territory and language names in ``lang`` -> their English CLDR names."""
    from babel import Locale

    native, english = Locale.parse(lang), Locale.parse("en")
    lexicon: dict[str, str] = {}
    for table in ("territories", "languages"):
        source, target = getattr(native, table), getattr(english, table)
        for code, name in source.items():
            # major languages only (ISO 639-1 two-letter codes): obscure language names such as
            # "Како" (kkj) collide with common words
            if table == "languages" and len(code) != 2:
                continue
            if code in target and len(name) >= 2 and name.casefold() != target[code].casefold():
                lexicon.setdefault(name, target[code])
    return lexicon


def _dictd_number(text: str) -> int:
    value = 0
    for char in text:
        value = value * 64 + _B64.index(char)
    return value


def read_bilingual_dictionary(path: str | os.PathLike) -> dict[str, str]:
    """Read a bilingual dictionary: a two-column TSV (word, English) or a dictd ``.index`` file."""
    path = Path(path)
    lexicon: dict[str, str] = {}
    if path.suffix == ".index":
        data_path = next((p for p in (path.with_suffix(".dict.dz"), path.with_suffix(".dict")) if p.exists()), None)
        if data_path is None:
            raise InputFormatError(path, None, None, "dictd index without a .dict or .dict.dz file beside it")
        data = (gzip.open(data_path) if data_path.suffix == ".dz" else open(data_path, "rb")).read()
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3:
                    raise InputFormatError(path, number, None, f"expected 3 tab-separated columns (headword, offset, length), got {len(parts)}")
                if parts[0].startswith("00database") or parts[0].startswith("00-database"):
                    continue
                start, length = _dictd_number(parts[1]), _dictd_number(parts[2])
                lines = data[start : start + length].decode("utf-8", errors="replace").split("\n")
                headword = regex.sub(r"\s*(/[^/]*/)?\s*(<[^>]*>)?\s*$", "", lines[0]).strip()
                if len(lines) > 1 and lines[1].strip():
                    sense = regex.sub(r"^\d+\.\s*", "", lines[1].strip()).split(",")[0].strip()
                    if headword and sense:
                        lexicon.setdefault(headword, sense)
        return lexicon
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) < 2 or not parts[0].strip() or not parts[1].strip():
                raise InputFormatError(path, number, None, "expected 'word<TAB>english'")
            lexicon.setdefault(parts[0].strip(), parts[1].strip())
    return lexicon


class CodeSwitchAttack:
    """Dictionary content words into English (names excluded); see the module docstring."""

    name = "code_switch"
    languages = LANGUAGES

    def __init__(self, dictionaries: Mapping[str, str | os.PathLike] | None = None):
        """``dictionaries``: optional bilingual dictionary file per language (see module docstring)."""
        self.dictionaries = dict(dictionaries or {})
        self.dictionary_languages = frozenset(self.dictionaries)
        if not self.dictionaries:
            logger.info("code_switch: no bilingual dictionary configured; it changes no query (coverage zero languages)")

    @functools.lru_cache(maxsize=None)
    def dictionary(self, lang: str) -> dict[str, str]:
        """The configured bilingual dictionary of ``lang`` (empty without one), keyed by lower case."""
        if lang not in self.dictionaries:
            return {}
        return {w.casefold(): e for w, e in read_bilingual_dictionary(self.dictionaries[lang]).items() if len(w) >= 2 and w.casefold() != e.casefold()}

    @functools.lru_cache(maxsize=None)
    def _matcher(self, lang: str) -> tuple[regex.Pattern, dict[str, str]]:
        """One regular expression over the CLDR names: names of 4+ graphemes may carry an inflectional
        ending of up to 4 letters (as may their stem, for 5+ graphemes); shorter names must match whole."""
        forms: dict[str, str] = {}
        inflectable: set[str] = set()
        for name, english in cldr_lexicon(lang).items():
            forms.setdefault(name, english)
            size = len(graphemes(name))
            if lang not in ("ja", "ko") and size >= 4:
                inflectable.add(name)
                if size >= 5:
                    forms.setdefault(name[:-1], english)
                    inflectable.add(name[:-1])

        def alternation(names) -> str:
            return "|".join(regex.escape(f) for f in sorted(names, key=len, reverse=True)) or "(?!)"

        if lang == "ja":
            pattern = f"(?P<whole>{alternation(forms)})"
        elif lang == "ko":
            pattern = f"(?<![\\p{{L}}\\p{{M}}])(?P<whole>{alternation(forms)})"
        else:
            pattern = (
                f"(?<![\\p{{L}}\\p{{M}}])(?:(?P<name>{alternation(inflectable)})[\\p{{L}}\\p{{M}}]{{0,4}}"
                f"|(?P<whole>{alternation(set(forms) - inflectable)}))(?![\\p{{L}}\\p{{M}}])"
            )
        return regex.compile(pattern), forms

    def _dictionary_matches(self, query: str, lang: str) -> list[tuple[int, int, str]]:
        """Words found in the bilingual dictionary: exactly, or (outside ja/ko) after removing an ending
        of up to 4 letters that leaves at least 3."""
        dictionary = self.dictionary(lang)
        if not dictionary:
            return []
        out = []
        for word in words(query, lang):
            key = word.text.casefold()
            cuts = [0] if lang in ("ja", "ko") else range(0, min(4, len(key) - 3) + 1)
            for cut in cuts:
                english = dictionary.get(key[: len(key) - cut])
                if english:
                    out.append((word.start, word.end, english))
                    break
        return out

    def _name_matches(self, query: str, lang: str) -> list[tuple[int, int, str]]:
        pattern, forms = self._matcher(lang)
        matches = []
        for match in pattern.finditer(query):
            name = match.group("whole") or match.group("name")
            if forms[name] != match.group():
                matches.append((match.start(), match.end(), forms[name]))
        return matches

    def _matches(self, query: str, lang: str) -> list[tuple[int, int, str]]:
        names = self._name_matches(query, lang)
        return [m for m in self._dictionary_matches(query, lang) if all(m[1] <= s or m[0] >= e for s, e, _ in names)]

    def __call__(self, query: str, lang: str, budget: int, rng: random.Random) -> Perturbation:
        check_budget(budget)
        matches = self._matches(query, lang)
        if not matches:
            return unchanged(query)
        chosen = sorted(rng.sample(matches, min(budget, len(matches))))
        edits = [f"{self.name}:{query[s:e]!r}->{new!r} at {s}" for s, e, new in chosen]
        return perturbation(query, replace_spans(query, chosen), edits)


class EntityAnglicisation(CodeSwitchAttack):
    """Country and language names into English (CLDR): a query variation; see the module docstring."""

    name = "entity_anglicisation"

    def __init__(self):  # names only: no dictionary to read or to report missing
        self.dictionaries = {}
        self.dictionary_languages = frozenset()

    def _matches(self, query: str, lang: str) -> list[tuple[int, int, str]]:
        return self._name_matches(query, lang)
