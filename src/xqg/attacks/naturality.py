"""Naturality (Penha et al. 2022): turn a question into a keyword query by dropping stop words,
question words and particles. One unit = one dropped word (or, in Korean, one stripped particle).

Words to drop come from ``wordlists`` (hand-written, small); Japanese particles and auxiliaries from the
segmenter's part of speech (UniDic 助詞/助動詞 with fugashi; the particle list otherwise). Korean
particles (josa) are suffixes of the word: a word ending in a listed josa loses it when at least two
syllables remain (a heuristic: "국가" keeps its 가; a longer noun that merely ends like a josa can
still be cut). At least one word always remains.
"""

from __future__ import annotations

import random

import regex

from xqg.attacks.base import Perturbation, check_budget, perturbation, replace_spans, unchanged
from xqg.attacks.segmentation import Word, words
from xqg.attacks.wordlists import KOREAN_JOSA

LANGUAGES = frozenset({"ar", "bn", "fi", "ja", "ko", "ru", "te"})


def _deletion_spans(query: str, dropped: list[Word], lang: str) -> list[tuple[int, int]]:
    """Spans to delete for the dropped words: each run of neighbouring dropped words (only whitespace
    between them) goes as one block with the whitespace before it (after it, at the start of the query);
    Japanese has no spaces to remove."""
    blocks: list[list[int]] = []
    for word in sorted(dropped):
        if blocks and not query[blocks[-1][1] : word.start].strip():
            blocks[-1][1] = word.end
        else:
            blocks.append([word.start, word.end])
    if lang == "ja":
        return [(s, e) for s, e in blocks]
    spans = []
    for start, end in blocks:
        before = regex.search(r"\s+$", query[:start])
        if before:
            spans.append((before.start(), end))
        else:
            after = regex.match(r"\s+", query[end:])
            spans.append((start, end + (after.end() if after else 0)))
    return spans


def _josa_suffix(word: str) -> str | None:
    for josa in KOREAN_JOSA:
        if word.endswith(josa) and len(word) - len(josa) >= 2:
            return josa
    return None


class NaturalityAttack:
    name = "naturality"
    languages = LANGUAGES

    def __call__(self, query: str, lang: str, budget: int, rng: random.Random) -> Perturbation:
        check_budget(budget)
        all_words = words(query, lang)
        units: list[tuple[int, str]] = [(i, f"naturality:drop {w.text!r} (word {i + 1})") for i, w in enumerate(all_words) if w.function]
        if lang == "ko":
            units += [(i, f"naturality:strip particle {_josa_suffix(w.text)!r} from {w.text!r} (word {i + 1})") for i, w in enumerate(all_words) if not w.function and _josa_suffix(w.text)]
        if not units:
            return unchanged(query)
        chosen = sorted(rng.sample(units, min(budget, len(units))))
        dropped = [all_words[i] for i, d in chosen if d.startswith("naturality:drop")]
        if len(dropped) == len(all_words):  # keep at least one word
            chosen = [u for u in chosen if all_words[u[0]] is not dropped[-1]]
            dropped.pop()
        spans = [(s, e, "") for s, e in _deletion_spans(query, dropped, lang)]
        for i, description in chosen:
            if description.startswith("naturality:strip"):
                word = all_words[i]
                spans.append((word.end - len(_josa_suffix(word.text)), word.end, ""))
        return perturbation(query, replace_spans(query, spans), [d for _, d in chosen])
