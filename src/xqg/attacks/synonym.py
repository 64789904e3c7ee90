"""Synonym substitution from a MyThes thesaurus (the OpenOffice/LibreOffice format of Debian's
``mythes-ar`` and ``mythes-ru``; there is none for fi, bn, te, ja, ko). One unit = one word replaced
by a synonym drawn from all its meanings.

The attack has no thesaurus unless one is configured (``SynonymAttack({"ru": "/usr/share/mythes/
th_ru_RU_v2.dat"})``); it then changes nothing and logs why. Thesaurus headwords are dictionary forms:
inflected query words match only when they are in that form (no lemmatiser), and a synonym is inserted
in its dictionary form; both limits are reported through the applicability rate.
"""

from __future__ import annotations

import functools
import logging
import os
import random
from collections.abc import Mapping

import regex

from xqg.attacks.base import Perturbation, check_budget, perturbation, replace_spans, unchanged
from xqg.attacks.segmentation import content_word_indices, words
from xqg.formats import InputFormatError

logger = logging.getLogger("xqg.attacks")


@functools.lru_cache(maxsize=8)
def read_mythes(path: str | os.PathLike) -> dict[str, tuple[str, ...]]:
    """Read a MyThes ``.dat`` file: first line the encoding; then entries ``word|n`` each followed by
    n meaning lines ``(pos)|synonym|synonym|...``. Returns headword (lower case) -> distinct synonyms,
    with annotations in parentheses removed."""
    with open(path, "rb") as handle:
        raw = handle.read()
    first, _, rest = raw.partition(b"\n")
    encoding = first.decode("ascii", errors="replace").strip().lstrip("\ufeff").lstrip("ï»¿") or "utf-8"
    try:
        text = rest.decode(encoding)
    except (LookupError, UnicodeDecodeError) as error:
        raise InputFormatError(path, 1, None, f"cannot decode with declared encoding {encoding!r}: {error}") from None
    lines = text.rstrip("\r\n").split("\n")
    thesaurus: dict[str, tuple[str, ...]] = {}
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        i += 1
        if not line.strip():
            continue
        head, sep, count = line.rpartition("|")
        if not sep or not count.strip().isdigit():
            raise InputFormatError(path, i + 1, None, f"expected 'word|count', got {line[:60]!r}")
        synonyms: list[str] = []
        for _ in range(int(count)):
            if i >= len(lines):
                raise InputFormatError(path, i + 1, None, f"entry {head!r} announces {count} meanings; file ends early")
            for synonym in lines[i].rstrip("\r").split("|")[1:]:
                synonym = regex.sub(r"\s*\([^)]*\)\s*", " ", synonym).strip()
                if synonym and synonym.casefold() != head.casefold() and synonym not in synonyms:
                    synonyms.append(synonym)
            i += 1
        if synonyms:
            thesaurus[head.casefold()] = tuple(synonyms)
    return thesaurus


class SynonymAttack:
    name = "synonym"

    def __init__(self, thesauri: Mapping[str, str | os.PathLike] | None = None):
        self.thesauri = dict(thesauri or {})
        self.languages = frozenset(self.thesauri)
        if not self.thesauri:
            logger.info("synonym: no MyThes thesaurus configured; the attack changes nothing")

    def __call__(self, query: str, lang: str, budget: int, rng: random.Random) -> Perturbation:
        check_budget(budget)
        if lang not in self.thesauri:
            return unchanged(query)
        thesaurus = read_mythes(str(self.thesauri[lang]))
        all_words = words(query, lang)
        candidates = [i for i in content_word_indices(query, lang) if all_words[i].text.casefold() in thesaurus]
        spans, edits = [], []
        for index in sorted(rng.sample(candidates, min(budget, len(candidates)))):
            word = all_words[index]
            synonym = rng.choice(thesaurus[word.text.casefold()])
            if word.text[:1].isupper():
                synonym = synonym[:1].upper() + synonym[1:]
            spans.append((word.start, word.end, synonym))
            edits.append(f"synonym:{word.text!r}->{synonym!r} word {index + 1}")
        return perturbation(query, replace_spans(query, spans), edits)
