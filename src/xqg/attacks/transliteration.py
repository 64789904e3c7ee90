"""Romanisation of words (a user typing a name or term in Latin letters).

One unit = one word romanised; content words first (entities are the usual romanised words), then
others. Tools: Russian ``cyrtranslit`` (GOST 7.79 system B; stress marks dropped first), Japanese
``pykakasi`` (Hepburn), Korean ``hangul-romanize`` (its academic rule, syllable hyphens removed),
Bengali/Telugu ``indic-transliteration`` ISO 15919 with diacritics stripped (the informal ASCII
spelling; no schwa deletion, so Bengali gets word-final "a"s), Arabic a documented ASCII table below.
Finnish is written in Latin letters: not applicable (recorded unchanged).
"""

from __future__ import annotations

import functools
import logging
import random
import unicodedata
from collections.abc import Callable

import regex

from xqg.attacks.base import Perturbation, check_budget, perturbation, replace_spans, unchanged
from xqg.attacks.segmentation import content_word_indices, words

logger = logging.getLogger("xqg.attacks")

LANGUAGES = frozenset({"ar", "bn", "ja", "ko", "ru", "te"})

# A simple Arabic-to-ASCII table (close to the ALA-LC letters without diacritics); short vowels are
# not written in Arabic, so none are added; tashkeel and tatweel are dropped.
ARABIC_TO_LATIN = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "aa", "ٱ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h",
    "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t",
    "ظ": "z", "ع": "'", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h",
    "و": "w", "ي": "y", "ى": "a", "ة": "a", "ء": "'", "ؤ": "'", "ئ": "'",
}


def _arabic(word: str) -> str:
    latin = "".join(ARABIC_TO_LATIN.get(c, "" if unicodedata.category(c) == "Mn" or c == "\u0640" else c) for c in word)
    return "al-" + latin[2:] if word.startswith("ال") and len(word) > 3 else latin


def _strip_marks(text: str) -> str:
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn"))


@functools.lru_cache(maxsize=None)
def _romaniser(lang: str) -> Callable[[str], str] | None:
    """The romanisation function of a language, or None (logged) when its package is missing."""
    try:
        if lang == "ar":
            return _arabic
        if lang == "ru":
            import cyrtranslit

            def russian(word: str) -> str:
                latin = cyrtranslit.to_latin(_strip_marks(word), "ru")
                return latin.capitalize() if word[:1].isupper() and not word.isupper() else latin

            return russian
        if lang == "ja":
            import pykakasi

            kakasi = pykakasi.kakasi()
            return lambda word: "".join(item["hepburn"] for item in kakasi.convert(word))
        if lang == "ko":
            from hangul_romanize import Transliter
            from hangul_romanize.rule import academic

            transliter = Transliter(academic)
            return lambda word: transliter.translit(word).replace("-", "")
        if lang in ("bn", "te"):
            from indic_transliteration import sanscript

            source = sanscript.BENGALI if lang == "bn" else sanscript.TELUGU
            return lambda word: _strip_marks(sanscript.transliterate(word, source, sanscript.ISO)).lower()
    except ImportError as error:
        logger.warning("transliteration: %s not romanised (%s)", lang, error)
        return None
    return None  # fi: already Latin


_NON_LATIN_LETTER = regex.compile(r"[^\P{L}\p{Latin}]")


class TransliterationAttack:
    name = "transliteration"
    languages = LANGUAGES

    def __call__(self, query: str, lang: str, budget: int, rng: random.Random) -> Perturbation:
        check_budget(budget)
        romanise = _romaniser(lang)
        if romanise is None:
            return unchanged(query)
        all_words = words(query, lang)
        content = [i for i in content_word_indices(query, lang) if _NON_LATIN_LETTER.search(all_words[i].text)]
        others = [i for i, w in enumerate(all_words) if i not in content and _NON_LATIN_LETTER.search(w.text)]
        order = rng.sample(content, len(content)) + rng.sample(others, len(others))
        spans, edits = [], []
        for index in order[:budget]:
            word = all_words[index]
            latin = romanise(word.text)
            if latin and latin != word.text:
                spans.append((word.start, word.end, latin))
                edits.append(f"transliteration:{word.text!r}->{latin!r} word {index + 1}")
        return perturbation(query, replace_spans(query, spans), edits)
