"""Character inventories per script: alphabets, keyboard layouts, Hangul arithmetic, kana and
abugida (Bengali, Telugu) character classes, and the abugida well-formedness check.

Keyboard maps: Finnish QWERTY (Latin), Russian ЙЦУКЕН (Cyrillic), Arabic 101 (PC) and Korean
dubeolsik. Bengali and Telugu have no keyboard map here (several incompatible layouts are in use:
Inscript, Bijoy, phonetic), so their "keyboard" typo falls back to a same-class substitution; Japanese
is typed through romaji IMEs, so its "keyboard" typo is the kana confusion an IME produces most
(voiced/unvoiced or small/large kana).
"""

from __future__ import annotations

import functools
import unicodedata

LATIN = "abcdefghijklmnopqrstuvwxyzäö"
CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآؤئىة"

# Rows of each layout; "\0" marks the Arabic lam-alef key, which types two letters and is skipped.
KEYBOARD_ROWS: dict[str, tuple[str, ...]] = {
    "latin": ("qwertyuiopå", "asdfghjklöä", "zxcvbnm"),
    "cyrillic": ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю"),
    "arabic": ("ضصثقفغعهخحجد", "شسيبلاتنمكط", "ئءؤر\0ىةوزظ"),
    "hangul": ("ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔ", "ㅁㄴㅇㄹㅎㅗㅓㅏㅣ", "ㅋㅌㅊㅍㅠㅜㅡ"),
}


@functools.lru_cache(maxsize=None)
def keyboard_neighbours(layout: str) -> dict[str, str]:
    """Keys adjacent to each key on a staggered keyboard: left, right, and the two touching keys of
    the rows above and below."""
    rows = KEYBOARD_ROWS[layout]
    out: dict[str, str] = {}
    for r, row in enumerate(rows):
        for c, key in enumerate(row):
            if key == "\0":
                continue
            cells = [(r, c - 1), (r, c + 1), (r - 1, c), (r - 1, c + 1), (r + 1, c - 1), (r + 1, c)]
            near = [rows[i][j] for i, j in cells if 0 <= i < len(rows) and 0 <= j < len(rows[i])]
            out[key] = "".join(k for k in near if k != "\0")
    return out


def script_of(char: str) -> str:
    """Coarse script class of one character (by code point range)."""
    cp = ord(char)
    if char.lower() in LATIN or char.lower() == "å":
        return "latin"
    if 0x0400 <= cp <= 0x04FF:
        return "cyrillic"
    if 0x0600 <= cp <= 0x06FF:
        return "arabic"
    if 0x0980 <= cp <= 0x09FF:
        return "bengali"
    if 0x0C00 <= cp <= 0x0C7F:
        return "telugu"
    if 0xAC00 <= cp <= 0xD7A3:
        return "hangul"
    if 0x3041 <= cp <= 0x309F:
        return "hiragana"
    if 0x30A0 <= cp <= 0x30FF:
        return "katakana"
    if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF:
        return "han"
    return "other"


ALPHABETS = {"latin": LATIN, "cyrillic": CYRILLIC, "arabic": ARABIC}

# --- Hangul syllables by Unicode arithmetic: S = 0xAC00 + (L * 21 + V) * 28 + T ---------------------
CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"  # 19 initials (as compatibility jamo)
JUNGSEONG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"  # 21 medials
JONGSEONG = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")  # 27 finals and none
SINGLE_FINALS = tuple(j for j in JONGSEONG if j and j in CHOSEONG)  # finals typed with one key


def is_hangul_syllable(char: str) -> bool:
    return len(char) == 1 and 0xAC00 <= ord(char) <= 0xD7A3


def decompose_syllable(char: str) -> tuple[int, int, int]:
    index = ord(char) - 0xAC00
    return index // (21 * 28), (index // 28) % 21, index % 28


def compose_syllable(initial: int, medial: int, final: int) -> str:
    return chr(0xAC00 + (initial * 21 + medial) * 28 + final)


# --- kana ---------------------------------------------------------------------------------------
HIRAGANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
KATAKANA = "".join(chr(ord(c) + 0x60) for c in HIRAGANA)
SMALL_KANA = frozenset("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮーヵヶ")


def _kana_pairs() -> dict[str, str]:
    """Voiced/unvoiced (か/が, は/ば/ぱ) and small/large (っ/つ) kana confusions, both scripts."""
    pairs: dict[str, set[str]] = {}
    for char in HIRAGANA + KATAKANA:
        voiced = unicodedata.normalize("NFC", char + "\u3099")
        semi = unicodedata.normalize("NFC", char + "\u309a")
        for other in (voiced, semi):
            if len(other) == 1:
                pairs.setdefault(char, set()).add(other)
                pairs.setdefault(other, set()).add(char)
    for small, large in zip("ぁぃぅぇぉっゃゅょ", "あいうえおつやゆよ"):
        for s, l in ((small, large), (chr(ord(small) + 0x60), chr(ord(large) + 0x60))):
            pairs.setdefault(s, set()).add(l)
            pairs.setdefault(l, set()).add(s)
    return {k: "".join(sorted(v)) for k, v in pairs.items()}


KANA_CONFUSIONS = _kana_pairs()

# --- abugidas: Bengali and Telugu -------------------------------------------------------------------
ABUGIDA_BLOCKS = {"bn": (0x0980, 0x09FF), "te": (0x0C00, 0x0C7F)}


@functools.lru_cache(maxsize=None)
def abugida_classes(lang: str) -> dict[str, frozenset[str]]:
    """consonants, independent vowels, vowel signs (matras), virama, nukta and vowel modifiers
    (candrabindu, anusvara, visarga) of the Bengali or Telugu block, from Unicode character names."""
    low, high = ABUGIDA_BLOCKS[lang]
    classes: dict[str, set[str]] = {k: set() for k in ("consonant", "vowel", "vowel_sign", "virama", "nukta", "modifier")}
    for cp in range(low, high + 1):
        char = chr(cp)
        name = unicodedata.name(char, "")
        if "VOWEL SIGN" in name:
            classes["vowel_sign"].add(char)
        elif "LENGTH MARK" in name:
            classes["vowel_sign"].add(char)
        elif name.endswith("SIGN VIRAMA"):
            classes["virama"].add(char)
        elif name.endswith("SIGN NUKTA"):
            classes["nukta"].add(char)
        elif any(word in name for word in ("CANDRABINDU", "ANUSVARA", "VISARGA")):
            classes["modifier"].add(char)
        elif " LETTER " in name and unicodedata.category(char) == "Lo":
            # independent vowels are named after vowels; everything else is a consonant
            letter = name.split(" LETTER ", 1)[1]
            vowel = letter.split()[0] in ("A", "AA", "I", "II", "U", "UU", "E", "EE", "AI", "O", "OO", "AU") or letter.startswith("VOCALIC")
            classes["vowel" if vowel else "consonant"].add(char)
    return {k: frozenset(v) for k, v in classes.items()}


# The common dependent vowel signs used for substitution (rare vocalic-L and length marks left out).
COMMON_VOWEL_SIGNS = {"bn": "\u09be\u09bf\u09c0\u09c1\u09c2\u09c3\u09c7\u09c8\u09cb\u09cc", "te": "\u0c3e\u0c3f\u0c40\u0c41\u0c42\u0c43\u0c46\u0c47\u0c48\u0c4a\u0c4b\u0c4c"}
COMMON_CONSONANTS = {
    "bn": "কখগঘঙচছজঝঞটঠডঢণতথদধনপফবভমযরলশষসহ",
    "te": "కఖగఘఙచఛజఝఞటఠడఢణతథదధనపఫబభమయరఱలళవశషసహ",
}


def abugida_sequence_errors(text: str, lang: str) -> list[str]:
    """Ill-formed Bengali/Telugu sequences in ``text`` (checked on its NFC form, so that canonically
    equivalent spellings such as ে + া for ো are accepted): a combining mark or joiner starting a word,
    a vowel sign or virama not attached to a consonant (which covers two vowel signs in a row and a
    vowel sign after a virama), a nukta not after a consonant. The Bengali spelling of English /æ/,
    অ or এ + virama + য (অ্যা), is well formed. Empty list: well formed."""
    import regex

    classes = abugida_classes(lang)
    consonant, vowel, sign, virama, nukta, modifier = (classes[k] for k in ("consonant", "vowel", "vowel_sign", "virama", "nukta", "modifier"))
    errors = []
    for match in regex.finditer(r"[\p{L}\p{M}\p{N}\u200c\u200d]+", unicodedata.normalize("NFC", text)):
        word = match.group()
        first = word[0]
        if unicodedata.category(first).startswith("M") or first in "\u200c\u200d":
            errors.append(f"word {word!r} starts with combining U+{ord(first):04X}")
        for previous, char in zip(word, word[1:]):
            if char in sign and previous not in consonant and previous not in nukta:
                errors.append(f"vowel sign U+{ord(char):04X} after U+{ord(previous):04X} in {word!r}")
            elif char in virama and previous not in consonant and previous not in nukta and not (lang == "bn" and previous in "\u0985\u098f"):
                errors.append(f"virama after U+{ord(previous):04X} in {word!r}")
            elif char in nukta and previous not in consonant:
                errors.append(f"nukta after U+{ord(previous):04X} in {word!r}")
            elif char in modifier and not (previous in consonant or previous in nukta or previous in sign or previous in vowel or previous in modifier):
                errors.append(f"vowel modifier U+{ord(char):04X} after U+{ord(previous):04X} in {word!r}")
    return errors
