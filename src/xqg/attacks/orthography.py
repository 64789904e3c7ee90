"""Orthographic variants: spellings that a reader takes for the same word.

Per language (each a "kind" of site; one unit = one site rewritten):

- ar: hamza or madda alef -> bare alef (أ إ آ -> ا) and word-initial bare alef -> أ; word-final
  ta marbuta <-> ha (ة <-> ه); word-final alef maqsura <-> ya (ى <-> ي); removing a short-vowel mark
  (tashkeel) and adding one (a random fatha, damma, kasra or sukun: not necessarily the right vowel).
- ru: ё -> е (the usual spelling) and removing a stress mark (Wikipedia-style stressed names occur in
  XOR-TyDi questions).
- fi: informal ASCII spelling ä -> a, ö -> o, å -> a.
- ja: katakana run -> half-width katakana, -> hiragana; ASCII letters/digits <-> full width.
  (Kanji -> kana is not included: no normal form could prove such a variant equal to the original.)
- ko: spacing: join two words, or split a word of 4+ syllables.
- bn, te: ZWNJ or ZWJ after a virama (explicit or half forms); canonical decomposition of a two-part
  vowel sign (ো ৌ ై: NFD); bn only: legacy precomposed nukta letters (য় ড় ঢ়, excluded from NFC) and
  khanda ta written ত + virama + ZWJ.

``orthographic_normal_form`` folds every variant away, so that the normal form of an attacked query
equals that of its original (tested).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable

import jaconv
import regex

from xqg.attacks.base import Perturbation, check_budget, perturbation, replace_spans, unchanged

LANGUAGES = frozenset({"ar", "bn", "fi", "ja", "ko", "ru", "te"})

Site = tuple[int, int, str, str]  # (start, end, replacement, kind)

TASHKEEL = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670"
_ADDED_TASHKEEL = "\u064e\u064f\u0650\u0652"  # fatha, damma, kasra, sukun
_ARABIC_LETTER = regex.compile(r"[\u0621-\u063a\u0641-\u064a]")


def _sites(pattern: str, text: str, replace: Callable[[str], str], kind: str, group: int = 0) -> list[Site]:
    out = []
    for match in regex.finditer(pattern, text):
        new = replace(match.group(group))
        if new != match.group(group):
            out.append((match.start(group), match.end(group), new, kind))
    return out


def _arabic_sites(text: str) -> list[Site]:
    sites = _sites(r"[أإآ]", text, lambda s: "ا", "hamza-alef->alef")
    sites += _sites(r"(?<![\p{L}\p{M}])(ا)(?=\p{L}{2})", text, lambda s: "أ", "alef->hamza-alef", group=1)
    sites += _sites(r"(?<=\p{L}{2})[ةه](?![\p{L}\p{M}])", text, lambda s: "ه" if s == "ة" else "ة", "ta-marbuta<->ha")
    sites += _sites(r"(?<=\p{L}{2})[ىي](?![\p{L}\p{M}])", text, lambda s: "ي" if s == "ى" else "ى", "alef-maqsura<->ya")
    sites += _sites(f"[{TASHKEEL}]", text, lambda s: "", "remove-tashkeel")
    # add a short-vowel mark after a letter not already carrying one (an insertion at a point)
    for match in _ARABIC_LETTER.finditer(text):
        end = match.end()
        if end < len(text) and text[end] in TASHKEEL:
            continue
        sites.append((end, end, "\0", "add-tashkeel"))  # "\0": drawn when chosen
    return sites


def _russian_sites(text: str) -> list[Site]:
    if not unicodedata.is_normalized("NFC", text):  # a stress mark in NFD text could sit on a decomposed letter
        return []
    sites = _sites(r"[ёЁ]", text, lambda s: "е" if s == "ё" else "Е", "yo->ye")
    sites += _sites(r"[\u0301\u0300]", text, lambda s: "", "remove-stress-mark")
    return sites


def _finnish_sites(text: str) -> list[Site]:
    table = str.maketrans("äöåÄÖÅ", "aoaAOA")
    return _sites(r"[äöåÄÖÅ]", text, lambda s: s.translate(table), "ascii-fold")


def _japanese_sites(text: str) -> list[Site]:
    sites = _sites(r"[\p{Katakana}ー]+", text, lambda s: jaconv.z2h(s, kana=True, ascii=False, digit=False), "katakana->half-width")
    sites += _sites(r"[\p{Katakana}ー]+", text, lambda s: jaconv.kata2hira(s), "katakana->hiragana")
    sites += _sites(r"[A-Za-z0-9]+", text, lambda s: jaconv.h2z(s, kana=False, ascii=True, digit=True), "ascii->full-width")
    sites += _sites(r"[Ａ-Ｚａ-ｚ０-９]+", text, lambda s: jaconv.z2h(s, kana=False, ascii=True, digit=True), "full-width->ascii")
    return sites


def _korean_sites(text: str) -> list[Site]:
    sites = _sites(r"(?<=\p{Hangul})\s+(?=\p{Hangul})", text, lambda s: "", "join-words")
    for match in regex.finditer(r"\p{Hangul}{4,}", text):
        for cut in range(match.start() + 2, match.end() - 1):
            sites.append((cut, cut, " ", "split-word"))
    return sites


_DECOMPOSABLE = {"bn": "\u09cb\u09cc", "te": "\u0c48"}
_LEGACY_NUKTA = {"\u09af\u09bc": "\u09df", "\u09a1\u09bc": "\u09dc", "\u09a2\u09bc": "\u09dd"}
_VIRAMA = {"bn": "\u09cd", "te": "\u0c4d"}


def _abugida_sites(text: str, lang: str) -> list[Site]:
    virama = _VIRAMA[lang]
    sites: list[Site] = []
    for match in regex.finditer(f"{virama}(?=\\p{{L}})", text):
        # Bengali ত + virama + ZWJ is the pre-Unicode-4.1 spelling of khanda ta (ৎ), another letter: only ZWNJ there
        khanda = lang == "bn" and match.start() > 0 and text[match.start() - 1] == "\u09a4"
        sites.append((match.end(), match.end(), "\u200c" if khanda else "\0", "joiner-after-virama"))
    sites += _sites(f"[{_DECOMPOSABLE[lang]}]", text, lambda s: unicodedata.normalize("NFD", s), "nfd-vowel-sign")
    if lang == "bn":
        sites += _sites("|".join(_LEGACY_NUKTA), text, lambda s: _LEGACY_NUKTA[s], "precomposed-nukta")
        sites += _sites("\u09ce", text, lambda s: "\u09a4\u09cd\u200d", "khanda-ta->ta-virama-zwj")
    return sites


def orthographic_sites(text: str, lang: str) -> list[Site]:
    """Every place of ``text`` where an orthographic variant applies."""
    if lang == "ar":
        return _arabic_sites(text)
    if lang == "ru":
        return _russian_sites(text)
    if lang == "fi":
        return _finnish_sites(text)
    if lang == "ja":
        return _japanese_sites(text)
    if lang == "ko":
        return _korean_sites(text)
    if lang in ("bn", "te"):
        return _abugida_sites(text, lang)
    raise ValueError(f"orthography: unknown language {lang!r}")


def orthographic_normal_form(text: str, lang: str) -> str:
    """A form in which every orthographic variant of this module is folded away."""
    if lang == "ar":
        text = regex.sub(f"[{TASHKEEL}\u0640]", "", unicodedata.normalize("NFC", text))
        text = regex.sub(r"[أإآٱ]", "ا", text)
        return text.replace("ة", "ه").replace("ى", "ي")
    if lang == "ru":
        text = unicodedata.normalize("NFD", text).replace("\u0301", "").replace("\u0300", "")
        return unicodedata.normalize("NFC", text.replace("\u0435\u0308", "\u0435").replace("\u0415\u0308", "\u0415"))
    if lang == "fi":
        return unicodedata.normalize("NFC", text).translate(str.maketrans("äöåÄÖÅ", "aoaAOA"))
    if lang == "ja":
        return jaconv.kata2hira(unicodedata.normalize("NFKC", text))
    if lang == "ko":
        return regex.sub(r"\s+", "", unicodedata.normalize("NFC", text))
    if lang in ("bn", "te"):
        text = text.replace("\u09a4\u09cd\u200d", "\u09ce").replace("\u200c", "").replace("\u200d", "")
        return unicodedata.normalize("NFC", text)
    raise ValueError(f"orthography: unknown language {lang!r}")


def _overlaps(site: Site, chosen: list[Site]) -> bool:
    start, end = site[0], site[1]
    return any(not (end <= s or start >= e) or start == s or (start == end and s < start < e) for s, e, _, _ in chosen)


class OrthographyAttack:
    name = "orthography"
    languages = LANGUAGES

    def __call__(self, query: str, lang: str, budget: int, rng: random.Random) -> Perturbation:
        check_budget(budget)
        sites = orthographic_sites(query, lang)
        chosen: list[Site] = []
        while len(chosen) < budget:
            free = [s for s in sites if not _overlaps(s, chosen)]
            if not free:
                break
            kind = rng.choice(sorted({s[3] for s in free}))  # kinds equally likely, whatever their counts
            start, end, new, kind = rng.choice([s for s in free if s[3] == kind])
            if new == "\0":
                new = rng.choice(_ADDED_TASHKEEL) if kind == "add-tashkeel" else rng.choice("\u200c\u200d")
            chosen.append((start, end, new, kind))
        if not chosen:
            return unchanged(query)
        edits = [f"orthography:{kind} {query[s:e]!r}->{new!r} at {s}" for s, e, new, kind in sorted(chosen)]
        return perturbation(query, replace_spans(query, [(s, e, new) for s, e, new, _ in chosen]), edits)
