"""Gold passages: the reference paragraphs (gold paragraphs, English positives) located in the corpus.

The gold paragraphs (and NQ's positives, cut from a 2018 dump) are not passages of the
100-word corpus: a gold paragraph can straddle two 100-word chunks and the two dumps' chunk boundaries
differ. A corpus passage is therefore matched to a reference paragraph by one streaming pass when
(1) its title equals the paragraph's article title (both normalised: HTML entities, NFC, ``_`` as
space, whitespace, case) and (2) it shares a run of at least ``NGRAM`` consecutive words with it (words:
``\\w+`` after case folding; a reference shorter than that must occur whole). Among the matched passages,
those containing one of the question's answers (substring, as the official evaluation, of the answer
without surrounding whitespace; yes/no excluded) are the gold passages; if none contains one (yes/no questions, or an answer split across a
chunk boundary), all matched passages are.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from xqg.formats import Passage

NGRAM = 8  # words a corpus passage must share, in a row, with a reference paragraph


def normalise_title(title: str) -> str:
    return " ".join(unicodedata.normalize("NFC", html.unescape(title)).replace("_", " ").split()).casefold()


_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", html.unescape(text)).casefold())


def _grams(tokens: Sequence[str], n: int) -> set[str]:
    return {" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


class Reference(NamedTuple):
    """A paragraph to locate in the corpus: gold paragraph or English positive passage."""

    owner: str  # what the matches are credited to (a question id)
    title: str
    text: str
    answers: tuple[str, ...]  # answer strings a gold passage should contain (yes/no already removed)


@dataclass
class MatchStats:
    references: int = 0
    matched: int = 0  # references with at least one overlapping corpus passage
    with_answer: int = 0  # ... of which some overlapping passage contains an answer
    overlap_only: int = 0  # ... matched, but no overlapping passage holds an answer (all kept)


class CorpusMatcher:
    """Locate reference paragraphs in a passage stream (see the module docstring for the rule).

    An inverted index from word n-grams to references, per normalised title, makes the check for one
    passage a few dictionary lookups; passages whose title has no reference cost one lookup.
    """

    def __init__(self, references: Sequence[Reference], ngram: int = NGRAM):
        self.references = list(references)
        self.ngram = ngram
        self._index: dict[str, dict[str, list[int]]] = {}  # title -> n-gram -> reference indices
        self._short: dict[str, list[tuple[int, str]]] = {}  # title -> (reference, joined words) for short ones
        for r, ref in enumerate(self.references):
            title = normalise_title(ref.title)
            tokens = words(ref.text)
            if not tokens:
                continue
            if len(tokens) < ngram:
                self._short.setdefault(title, []).append((r, " ".join(tokens)))
            else:
                grams = self._index.setdefault(title, {})
                for gram in _grams(tokens, ngram):
                    grams.setdefault(gram, []).append(r)
        self._hits: list[list[tuple[str, bool]]] = [[] for _ in self.references]
        self._last_title: tuple[str, str] = ("\0", "")

    def observe(self, passage: Passage) -> bool:
        """Record ``passage`` against every reference it overlaps; return whether it overlaps any."""
        if passage.title != self._last_title[0]:  # the corpus lists an article's passages together
            self._last_title = (passage.title, normalise_title(passage.title))
        title = self._last_title[1]
        grams, short = self._index.get(title), self._short.get(title)
        if grams is None and short is None:
            return False
        tokens = words(passage.text)
        found: set[int] = set()
        if grams:
            for gram in _grams(tokens, self.ngram):
                found.update(grams.get(gram, ()))
        if short:
            joined = f" {' '.join(tokens)} "
            found.update(r for r, text in short if f" {text} " in joined)
        for r in found:
            ref = self.references[r]
            self._hits[r].append((passage.id, any(a in passage.text for a in ref.answers)))
        return bool(found)

    def gold_passages(self) -> dict[str, list[str]]:
        """Owner -> gold passage ids (in corpus order, no repeats)."""
        gold: dict[str, list[str]] = {}
        for ref, hits in zip(self.references, self._hits):
            if hits:
                with_answer = [pid for pid, has in hits if has]
                ids = gold.setdefault(ref.owner, [])
                ids.extend(pid for pid in (with_answer or [pid for pid, _ in hits]) if pid not in ids)
        return gold

    def stats(self, indices: Iterable[int] | None = None) -> MatchStats:
        """How the references (all, or those at ``indices``) were matched."""
        stats = MatchStats()
        for r in range(len(self.references)) if indices is None else indices:
            stats.references += 1
            hits = self._hits[r]
            if hits:
                stats.matched += 1
                if any(has for _, has in hits):
                    stats.with_answer += 1
                else:
                    stats.overlap_only += 1
        return stats
