"""Per-language segmentation of a query into word units, on grapheme clusters.

Space-delimited languages (ar, bn, fi, ko, ru, te): a word is a maximal run of letters, combining marks,
digits and ZWJ/ZWNJ, so that Bengali and Telugu words are never cut at a vowel sign or a virama (the
TextAttack pitfall) and Russian stress marks stay on their letter. Japanese has no spaces: words are
the tokens of the MeCab-compatible tagger ``fugashi`` with the ``unidic-lite`` dictionary when it is
installed; otherwise a documented fallback cuts at changes of character class (kanji, hiragana,
katakana, Latin, digits) and treats hiragana runs that are in ``JAPANESE_PARTICLES`` as particles.
Results are cached: each query is attacked many times (samples x attacks x budgets).
"""

from __future__ import annotations

import functools
import logging
from typing import NamedTuple

import regex

from xqg.attacks.wordlists import JAPANESE_PARTICLES, is_stop_word

logger = logging.getLogger("xqg.attacks")

WORD = regex.compile(r"[\p{L}\p{M}\p{N}\u200c\u200d]+")
GRAPHEME = regex.compile(r"\X")

# UniDic part-of-speech classes of dependent words (particles, auxiliaries) and symbols.
_JA_FUNCTION_POS = frozenset({"助詞", "助動詞"})
_JA_SYMBOL_POS = frozenset({"補助記号", "記号", "空白"})
_JA_SUFFIX_POS = frozenset({"接尾辞"})


class Word(NamedTuple):
    start: int
    end: int
    text: str
    function: bool  # a stop word, question word, particle or auxiliary


def graphemes(text: str) -> list[str]:
    return GRAPHEME.findall(text)


@functools.lru_cache(maxsize=1)
def _japanese_tagger():
    try:
        import fugashi

        return fugashi.Tagger()
    except Exception as error:  # ImportError, or a missing dictionary (RuntimeError)
        logger.warning("fugashi/unidic-lite unavailable (%s): Japanese falls back to character-class segmentation", error)
        return None


_JA_CLASS = regex.compile(r"\p{Han}+|\p{Hiragana}+|[\p{Katakana}ー]+|[\p{Latin}\p{N}]+|[^\p{Han}\p{Hiragana}\p{Katakana}ー\p{Latin}\p{N}\s]+")


def _japanese_words(text: str) -> list[tuple[Word, str]]:
    """Japanese tokens as (Word, UniDic pos1 or a fallback class); symbols are not words."""
    tagger = _japanese_tagger()
    out: list[tuple[Word, str]] = []
    if tagger is not None:
        position = 0
        for token in tagger(text):
            surface = token.surface
            start = text.find(surface, position)
            if start < 0:  # the tagger normalised something: give up on alignment for this token
                continue
            end = position = start + len(surface)
            pos = token.feature.pos1
            if pos in _JA_SYMBOL_POS:
                continue
            out.append((Word(start, end, surface, pos in _JA_FUNCTION_POS or is_stop_word(surface, "ja")), pos))
        return out
    for match in _JA_CLASS.finditer(text):
        surface = match.group()
        if not WORD.fullmatch(surface):
            continue
        function = surface in JAPANESE_PARTICLES or is_stop_word(surface, "ja")
        out.append((Word(match.start(), match.end(), surface, function), "助詞" if function else "名詞"))
    return out


@functools.lru_cache(maxsize=65536)
def words(text: str, lang: str) -> tuple[Word, ...]:
    """The word units of ``text`` in ``lang``, in order, with character offsets."""
    if lang == "ja":
        return tuple(word for word, _ in _japanese_words(text))
    return tuple(Word(m.start(), m.end(), m.group(), is_stop_word(m.group(), lang)) for m in WORD.finditer(text))


def min_content_graphemes(lang: str) -> int:
    """Minimum length of a content word in grapheme clusters: 3 letters (Zhuang & Zuccon's rule) for
    alphabets and abugidas; 2 for Japanese and Korean, where one grapheme is a whole syllable."""
    return 2 if lang in ("ja", "ko") else 3


@functools.lru_cache(maxsize=65536)
def content_word_indices(text: str, lang: str) -> tuple[int, ...]:
    """Indices (into ``words``) of content words: not function words, long enough, containing a letter."""
    minimum = min_content_graphemes(lang)
    return tuple(
        i
        for i, word in enumerate(words(text, lang))
        if not word.function and len(graphemes(word.text)) >= minimum and regex.search(r"\p{L}", word.text)
    )


@functools.lru_cache(maxsize=65536)
def japanese_chunks(text: str) -> tuple[tuple[int, int], ...]:
    """Bunsetsu-like chunks of a Japanese query as (start, end) offsets: one or more independent words
    followed by their dependent words (particles, auxiliaries, suffixes). Trailing symbols such as the
    question mark are left outside every chunk so that reordering keeps them at the end."""
    chunks: list[list[int]] = []
    previous_dependent = True
    for word, pos in _japanese_words(text):
        dependent = pos in _JA_FUNCTION_POS or pos in _JA_SUFFIX_POS
        if chunks and (dependent or not previous_dependent):
            chunks[-1][1] = word.end
        else:
            chunks.append([word.start, word.end])
        previous_dependent = dependent
    # a chunk runs up to the next chunk, so that symbols inside the query (、) travel with their chunk
    spans = []
    for i, (start, end) in enumerate(chunks):
        spans.append((start, chunks[i + 1][0] if i + 1 < len(chunks) else end))
    return tuple(spans)
