"""Synonym substitution from nearest neighbours of whole words in an encoder's own space: the lexical
paraphrase attack that covers all seven languages offline (thesauri exist only for ar and ru).

Two steps, so that the model runs once per study and the attack itself stays a pure, seeded function:

1. :func:`build_lexicon` (rule ``neighbour_lexicon``): every content word of the dev questions, and
   every candidate word of the encoder's vocabulary (:func:`candidate_words`), is encoded alone as a
   query by the encoder (the configured backbone as shipped, with its pooling and prefix); a query
   word's neighbours are the candidates with cosine >= ``min_similarity``, best first, at most
   ``neighbours`` of them. The lexicon is a TSV (``word``, ``neighbour``, ``similarity``).
2. :class:`NeighbourSynonymAttack`: one unit = one content word replaced by one of its neighbours.

What keeps the meaning, and what does not:
- candidates are whole words of the language: word-initial vocabulary pieces (SentencePiece "▁"
  pieces; every piece for Japanese, which has no spaces; WordPiece pieces without "##"), written in the
  language's script, of 2+ graphemes, and, where ``wordfreq`` lists the language's words (ar, bn, fi,
  ja, ru), in that list and more frequent there than in English: this drops same-script words of other
  languages (Persian, Assamese, Chinese, Ukrainian or Serbian, Hungarian) and English words in Finnish
  text ("Moon" for "maan"). Korean (wordfreq lists morphemes, not words) and Telugu (no list) rely on
  their script alone, so a word-start fragment can be a candidate there;
- a lower-case word is replaced only by a lower-case word (no proper nouns for common ones);
- country and language names (CLDR, the names ``entity_anglicisation`` finds) are never replaced:
  their neighbours are other countries (Afghanistan -> Pakistan), which changes the question;
- the validity gate (:mod:`xqg.attacks.validity`) rejects a variant that adds or removes an answer;
- what remains is measured, not assumed: neighbours above the threshold are inflections of the same
  word (Russian "стране" -> "страна"), synonyms (Japanese 通貨 -> 貨幣, "currency") and some near
  misses (Telugu "in the country" -> "in the state"); the validity sheet samples them for human audit.
  With the embedded default the encoder is the attacked backbone itself (no other multilingual
  encoder installs offline): its neighbours are the words it already finds close, a bias the README
  states.
"""

from __future__ import annotations

import csv
import functools
import logging
import os
import random
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import regex

from xqg.attacks.base import Perturbation, check_budget, perturbation, replace_spans, unchanged
from xqg.attacks.code_switch import EntityAnglicisation
from xqg.attacks.segmentation import content_word_indices, graphemes, words
from xqg.files import atomic_open
from xqg.formats import InputFormatError

logger = logging.getLogger("xqg.attacks")

SCRIPT = {
    "ar": r"\p{Arabic}",
    "bn": r"\p{Bengali}",
    "fi": r"\p{Latin}",
    "ja": r"[\p{Han}\p{Hiragana}\p{Katakana}ー]",
    "ko": r"\p{Hangul}",
    "ru": r"\p{Cyrillic}",
    "te": r"\p{Telugu}",
}
# wordfreq's lists of words; its Korean list holds morphemes, and it has none for Telugu (it would
# silently answer with English), so those two are filtered by script alone.
WORD_LIST_LANGUAGES = frozenset({"ar", "bn", "fi", "ja", "ru", "en"})  # en: to tell English words apart
MIN_GRAPHEMES = 2
HEADER = ("word", "neighbour", "similarity")


@functools.lru_cache(maxsize=None)
def _script_word(lang: str) -> regex.Pattern:
    """A whole string of the language's script (combining marks, ZWJ/ZWNJ included)."""
    return regex.compile(rf"(?:{SCRIPT[lang]}|\p{{M}}|[\u200c\u200d])+")


def in_script(word: str, lang: str) -> bool:
    return bool(_script_word(lang).fullmatch(word)) and len(graphemes(word)) >= MIN_GRAPHEMES


@functools.lru_cache(maxsize=None)
def _word_list(lang: str) -> dict[str, float] | None:
    """wordfreq's words of ``lang`` (lower case) -> frequency, or None where it has no word list."""
    if lang not in WORD_LIST_LANGUAGES:
        return None
    import wordfreq

    return wordfreq.get_frequency_dict(lang)


def candidate_words(pieces: Iterable[str], lang: str, min_frequency: float = 0.0) -> list[str]:
    """Whole words of ``lang`` among a tokenizer's vocabulary ``pieces`` (see the module docstring),
    sorted. ``min_frequency``: wordfreq's frequency floor where a word list exists."""
    pieces = list(pieces)
    sentencepiece = any(p.startswith("▁") for p in pieces)
    word_list, english = _word_list(lang), _word_list("en")
    out = set()
    for piece in pieces:
        if piece.startswith("##"):
            continue
        if sentencepiece and not piece.startswith("▁") and lang != "ja":
            continue  # a word-internal piece
        word = piece.removeprefix("▁")
        if not in_script(word, lang):
            continue
        if word_list is not None:
            frequency = word_list.get(word.casefold(), 0.0)
            if frequency < max(min_frequency, 1e-12) or english.get(word.casefold(), 0.0) > frequency:
                continue
        out.add(word)
    return sorted(out)


_NAMES = EntityAnglicisation()


def replaceable_words(query: str, lang: str) -> list[tuple[int, str]]:
    """(word index, word) of the content words the attack may replace: in the language's script and
    outside every country or language name."""
    names = _NAMES._name_matches(query, lang)
    all_words = words(query, lang)
    out = []
    for index in content_word_indices(query, lang):
        word = all_words[index]
        if in_script(word.text, lang) and all(word.end <= start or word.start >= end for start, end, _ in names):
            out.append((index, word.text))
    return out


def build_lexicon(
    query_words: Sequence[str],
    candidates: Sequence[str],
    encode: Callable[[Sequence[str]], np.ndarray],
    *,
    neighbours: int,
    min_similarity: float,
) -> dict[str, list[tuple[str, float]]]:
    """Each query word's nearest candidates by cosine under ``encode`` (texts -> vectors), the word
    itself and its case variants excluded, and for a lower-case word every candidate that is not lower
    case; words without a neighbour above the threshold are left out."""
    query_words = sorted(set(query_words))
    if not query_words or not candidates:
        return {}
    vectors = encode([*query_words, *candidates]).astype(np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    left, right = vectors[: len(query_words)], vectors[len(query_words):]
    lexicon: dict[str, list[tuple[str, float]]] = {}
    for word, similarities in zip(query_words, left @ right.T):
        order = np.argsort(-similarities, kind="stable")
        found = []
        for j in order:
            if similarities[j] < min_similarity or len(found) == neighbours:
                break
            candidate = candidates[j]
            if candidate.casefold() != word.casefold() and (word != word.lower() or candidate == candidate.lower()):
                found.append((candidates[j], round(float(similarities[j]), 4)))
        if found:
            lexicon[word] = found
    return lexicon


def write_lexicon(path: str | os.PathLike, lexicon: Mapping[str, Sequence[tuple[str, float]]]) -> None:
    with atomic_open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(HEADER)
        for word in sorted(lexicon):
            for neighbour, similarity in lexicon[word]:
                writer.writerow((word, neighbour, f"{similarity:.4f}"))


@functools.lru_cache(maxsize=16)
def read_lexicon(path: str | os.PathLike) -> dict[str, tuple[str, ...]]:
    """word -> neighbours, best first, from a lexicon TSV (checked: header, 3 columns, a number)."""
    lexicon: dict[str, list[str]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.rstrip("\r\n").split("\t")
            if number == 1:
                if tuple(fields) != HEADER:
                    raise InputFormatError(path, 1, None, f"expected the header {' '.join(HEADER)!r}")
                continue
            if len(fields) != 3 or not fields[0] or not fields[1]:
                raise InputFormatError(path, number, None, "expected 3 tab-separated columns: word, neighbour, similarity")
            try:
                float(fields[2])
            except ValueError:
                raise InputFormatError(path, number, "similarity", f"not a number: {fields[2]!r}") from None
            lexicon.setdefault(fields[0], []).append(fields[1])
    return {word: tuple(found) for word, found in lexicon.items()}


class NeighbourSynonymAttack:
    """Replace ``budget`` content words by encoder neighbours (module docstring)."""

    name = "neighbour_synonym"
    languages = frozenset(SCRIPT)

    def __init__(self, lexicons: Mapping[str, str | os.PathLike] | None = None):
        """``lexicons``: the lexicon TSV of each language (rule ``neighbour_lexicon``)."""
        self.lexicons = dict(lexicons or {})

    def __call__(self, query: str, lang: str, budget: int, rng: random.Random) -> Perturbation:
        check_budget(budget)
        if lang not in self.lexicons:
            return unchanged(query)
        lexicon = read_lexicon(str(self.lexicons[lang]))
        candidates = [(index, word) for index, word in replaceable_words(query, lang) if word in lexicon]
        all_words = words(query, lang)
        spans, edits = [], []
        for index, word in sorted(rng.sample(candidates, min(budget, len(candidates)))):
            neighbour = rng.choice(lexicon[word])
            spans.append((all_words[index].start, all_words[index].end, neighbour))
            edits.append(f"{self.name}:{word!r}->{neighbour!r} word {index + 1}")
        return perturbation(query, replace_spans(query, spans), edits)
