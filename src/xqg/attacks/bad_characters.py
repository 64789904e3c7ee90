"""Imperceptible perturbations after Boucher et al., "Bad Characters" (IEEE S&P 2022).

``invisible``: insert zero-width characters (ZWSP U+200B, ZWNJ U+200C, ZWJ U+200D, WORD JOINER U+2060)
at grapheme-cluster boundaries inside words (never inside a cluster). All seven languages.

``homoglyph``: replace a character by a confusable one of another script or block, from the table
below (a hand-picked subset of Unicode's confusables.txt): Latin <-> Cyrillic <-> Greek look-alikes
(any Latin or Cyrillic letter in the query, so also Latin names inside other-script queries), Arabic
<-> Persian/Urdu letters (ي ی, ك ک, ه ھ), katakana <-> look-alike kanji or hiragana (カ 力, ロ 口, エ 工,
ニ 二, ハ 八, タ 夕, ト 卜, ヘ へ, ー 一), Telugu anusvara <-> Telugu digit zero. Korean has no
confusable syllables; a syllable is instead written as its conjoining jamo (canonical decomposition,
renders identically). Bengali: no entry, so only Latin letters inside a Bengali query can be hit.
One unit = one insertion or substitution.
"""

from __future__ import annotations

import random
import unicodedata

from xqg.attacks.base import Perturbation, check_budget, perturbation, replace_spans, unchanged
from xqg.attacks.scripts import is_hangul_syllable
from xqg.attacks.segmentation import GRAPHEME, words

INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060")

_PAIRS = (
    # Latin - Cyrillic - Greek
    "aа", "eе", "oо", "pр", "cс", "xх", "yу", "iі", "jј", "sѕ",
    "AАΑ", "BВΒ", "CС", "EЕΕ", "HНΗ", "IІΙ", "JЈ", "KКΚ", "MМΜ", "OОΟ", "PРΡ", "TТΤ", "XХΧ", "YΥ", "ZΖ", "SЅ",
    # Arabic - Persian/Urdu
    "يی", "كک", "هھ",
    # katakana - kanji / hiragana
    "カ力", "ロ口", "エ工", "ニ二", "ハ八", "タ夕", "ト卜", "ヘへ", "ー一",
    # Telugu anusvara - digit zero
    "ం౦",
)
HOMOGLYPHS: dict[str, str] = {}
for _group in _PAIRS:
    for _char in _group:
        HOMOGLYPHS[_char] = _group.replace(_char, "")


class InvisibleAttack:
    name = "invisible"
    languages = frozenset({"ar", "bn", "fi", "ja", "ko", "ru", "te"})

    def __call__(self, query: str, lang: str, budget: int, rng: random.Random) -> Perturbation:
        check_budget(budget)
        points = []
        for word in words(query, lang):
            boundaries = [m.end() for m in GRAPHEME.finditer(word.text)][:-1]
            points += [(word.start + b, word.text) for b in boundaries]
        if not points:
            return unchanged(query)
        chosen = rng.sample(points, min(budget, len(points)))
        spans, edits = [], []
        for point, word in sorted(chosen):
            char = rng.choice(INVISIBLE)
            spans.append((point, point, char))
            edits.append(f"invisible:insert U+{ord(char):04X} at {point} in {word!r}")
        return perturbation(query, replace_spans(query, spans), edits)


class HomoglyphAttack:
    name = "homoglyph"
    languages = frozenset({"ar", "fi", "ja", "ko", "ru", "te"})

    def __call__(self, query: str, lang: str, budget: int, rng: random.Random) -> Perturbation:
        check_budget(budget)
        sites = []
        for word in words(query, lang):
            for offset, char in enumerate(word.text):
                if char in HOMOGLYPHS or is_hangul_syllable(char):
                    sites.append(word.start + offset)
        if not sites:
            return unchanged(query)
        spans, edits = [], []
        for position in sorted(rng.sample(sites, min(budget, len(sites)))):
            char = query[position]
            new = rng.choice(HOMOGLYPHS[char]) if char in HOMOGLYPHS else unicodedata.normalize("NFD", char)
            spans.append((position, position + 1, new))
            what = "decompose" if char not in HOMOGLYPHS else "substitute"
            edits.append(f"homoglyph:{what} {char!r} U+{ord(char):04X} -> {' '.join(f'U+{ord(c):04X}' for c in new)} at {position}")
        return perturbation(query, replace_spans(query, spans), edits)


def homoglyph_candidates(text: str, lang: str, word_index: int, rng: random.Random, n: int = 5) -> list[tuple[str, str]]:
    """Up to ``n`` distinct one-character homoglyph variants of word ``word_index`` of ``text`` as
    (new text, description); the homoglyph unit editor of :func:`xqg.attacks.greedy_search.greedy_attack`.
    Every site and replacement of the word is a candidate; ``rng`` picks which ``n`` when there are more."""
    word = words(text, lang)[word_index]
    options = []
    for offset, char in enumerate(word.text):
        if char in HOMOGLYPHS:
            options += [(offset, char, new, "substitute") for new in HOMOGLYPHS[char]]
        elif is_hangul_syllable(char):
            options.append((offset, char, unicodedata.normalize("NFD", char), "decompose"))
    out = []
    for offset, char, new, what in rng.sample(options, min(n, len(options))):
        position = word.start + offset
        described = " ".join(f"U+{ord(c):04X}" for c in new)
        out.append((replace_spans(text, [(position, position + 1, new)]),
                    f"homoglyph:{what} {char!r} U+{ord(char):04X} -> {described} in word {word_index + 1}"))
    return out
