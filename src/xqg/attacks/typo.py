"""Script-aware typos (after Zhuang & Zuccon 2021): one typo in each of ``budget`` distinct content
words (3+ graphemes, 2+ for Japanese and Korean; not a stop or question word).

Operations, chosen uniformly, as in CharacterBERT-DR's ``make_typo_queries.py``: delete, insert,
substitute, swap neighbours, keyboard neighbour. They act on grapheme clusters (``regex`` ``\\X``), never
on code points that would split a cluster, with these per-script rules:

- Latin (fi), Cyrillic (ru), Arabic (ar): letters of the script's alphabet; keyboard neighbours from
  Finnish QWERTY, Russian ЙЦУКЕН and Arabic 101; case is kept; a substituted letter loses its
  combining marks (a typed letter carries no Russian stress mark); a swap moves whole clusters.
- Korean: jamo level on one syllable, by Unicode arithmetic. substitute = another jamo in the same slot
  (initial, vowel or final), keyboard = a dubeolsik neighbour valid in that slot, delete = drop the final
  consonant (or the whole syllable if it has none), insert = add a final consonant to an open syllable,
  swap = two neighbouring syllables.
- Japanese: kana only (kanji are never changed; a word without kana has no typo). keyboard = the
  voiced/unvoiced or small/large kana confusion of romaji input; inserted kana are of the same script.
- Bengali, Telugu: edits inside a cluster that keep a well-formed sequence: substitute a vowel sign
  (matra) by another, delete a vowel sign or a virama (splitting a conjunct) or a vowel modifier, insert
  a vowel sign after a bare consonant or a virama joining two consonant clusters into a conjunct, swap
  two clusters; keyboard falls back to substituting a consonant by another (no single layout is
  standard). Every result is checked with ``abugida_sequence_errors`` and rejected if ill formed.
"""

from __future__ import annotations

import random

from xqg.attacks.base import Perturbation, check_budget, perturbation, replace_spans, unchanged
from xqg.attacks.scripts import (
    ALPHABETS,
    CHOSEONG,
    COMMON_CONSONANTS,
    COMMON_VOWEL_SIGNS,
    HIRAGANA,
    JONGSEONG,
    JUNGSEONG,
    KANA_CONFUSIONS,
    KATAKANA,
    SINGLE_FINALS,
    SMALL_KANA,
    abugida_classes,
    abugida_sequence_errors,
    compose_syllable,
    decompose_syllable,
    is_hangul_syllable,
    keyboard_neighbours,
    script_of,
)
from xqg.attacks.segmentation import content_word_indices, graphemes, words

OPERATIONS = ("delete", "insert", "substitute", "swap", "keyboard")
LANGUAGES = frozenset({"ar", "bn", "fi", "ja", "ko", "ru", "te"})
_TRIES = 8

Edit = tuple[str, str]  # (new word, description of the change)


def _with_case(new: str, old: str) -> str:
    return new.upper() if old.isupper() else new


# --- alphabetic scripts: Latin, Cyrillic, Arabic -------------------------------------------------------
def _alphabetic(units: list[str], op: str, rng: random.Random) -> Edit | None:
    letters = [i for i, g in enumerate(units) if script_of(g[0]) in ALPHABETS]
    if not letters:
        return None
    if op == "delete":
        if len(units) < 2:
            return None
        i = rng.choice(letters)
        return "".join(units[:i] + units[i + 1 :]), f"delete {units[i]!r}"
    if op == "swap":
        pairs = [i for i in range(len(units) - 1) if units[i] != units[i + 1] and i in letters and i + 1 in letters]
        if not pairs:
            return None
        i = rng.choice(pairs)
        # the case stays with the position: "Огюст" -> "Гоюст", not "гОюст"
        first = _with_case(units[i + 1][0].lower(), units[i][0]) + units[i + 1][1:]
        second = _with_case(units[i][0].lower(), units[i + 1][0]) + units[i][1:]
        return "".join(units[:i] + [first, second] + units[i + 2 :]), f"swap {units[i]!r}<->{units[i + 1]!r}"
    i = rng.choice(letters)
    base = units[i][0]
    alphabet = ALPHABETS[script_of(base)]
    if op == "insert":
        position = rng.choice((i, i + 1))
        new = rng.choice(alphabet)
        return "".join(units[:position] + [new] + units[position:]), f"insert {new!r}"
    if op == "keyboard":
        near = keyboard_neighbours(script_of(base)).get(base.lower(), "")
        if not near:
            return None
        new = _with_case(rng.choice(near), base)  # a typed letter carries no stress mark (and ґ/ѓ-style compositions are avoided)
        return "".join(units[:i] + [new] + units[i + 1 :]), f"keyboard {units[i]!r}->{new!r}"
    choices = [c for c in alphabet if c != base.lower()]
    new = _with_case(rng.choice(choices), base)
    return "".join(units[:i] + [new] + units[i + 1 :]), f"substitute {units[i]!r}->{new!r}"


# --- Korean: jamo inside one syllable ------------------------------------------------------------
def _hangul(units: list[str], op: str, rng: random.Random) -> Edit | None:
    syllables = [i for i, g in enumerate(units) if is_hangul_syllable(g)]
    if not syllables:
        return None
    if op == "swap":
        pairs = [i for i in range(len(units) - 1) if i in syllables and i + 1 in syllables and units[i] != units[i + 1]]
        if not pairs:
            return None
        i = rng.choice(pairs)
        return "".join(units[:i] + [units[i + 1], units[i]] + units[i + 2 :]), f"swap {units[i]!r}<->{units[i + 1]!r}"
    if op == "insert":
        open_syllables = [i for i in syllables if decompose_syllable(units[i])[2] == 0]
        if not open_syllables:
            return None
        i = rng.choice(open_syllables)
        initial, medial, _ = decompose_syllable(units[i])
        final = rng.choice(SINGLE_FINALS)
        new = compose_syllable(initial, medial, JONGSEONG.index(final))
        return "".join(units[:i] + [new] + units[i + 1 :]), f"insert final {final!r}: {units[i]!r}->{new!r}"
    i = rng.choice(syllables)
    initial, medial, final = decompose_syllable(units[i])
    if op == "delete":
        if final:
            new = compose_syllable(initial, medial, 0)
            return "".join(units[:i] + [new] + units[i + 1 :]), f"delete final {JONGSEONG[final]!r}: {units[i]!r}->{new!r}"
        if len(units) < 2:
            return None
        return "".join(units[:i] + units[i + 1 :]), f"delete {units[i]!r}"
    slots = ["initial", "medial"] + (["final"] if final else [])
    slot = rng.choice(slots)
    inventory = {"initial": CHOSEONG, "medial": JUNGSEONG, "final": JONGSEONG[1:]}[slot]
    current = {"initial": CHOSEONG[initial], "medial": JUNGSEONG[medial], "final": JONGSEONG[final]}[slot]
    if op == "keyboard":
        choices = [j for j in keyboard_neighbours("hangul").get(current, "") if j in inventory]
    else:
        choices = [j for j in inventory if j != current]
    if not choices:
        return None
    jamo = rng.choice(choices)
    parts = {"initial": initial, "medial": medial, "final": final}
    parts[slot] = CHOSEONG.index(jamo) if slot == "initial" else JUNGSEONG.index(jamo) if slot == "medial" else JONGSEONG.index(jamo)
    new = compose_syllable(parts["initial"], parts["medial"], parts["final"])
    return "".join(units[:i] + [new] + units[i + 1 :]), f"{op} {slot} {current!r}->{jamo!r}: {units[i]!r}->{new!r}"


# --- Japanese: kana only ---------------------------------------------------------------------------
def _is_kana(unit: str) -> bool:
    return script_of(unit[0]) in ("hiragana", "katakana") and unit[0] not in "゛゜・"


def _kana_valid(units: list[str]) -> bool:
    return bool(units) and units[0][0] not in SMALL_KANA


def _kana(units: list[str], op: str, rng: random.Random) -> Edit | None:
    kana = [i for i, g in enumerate(units) if _is_kana(g)]
    if not kana:
        return None
    if op == "swap":
        pairs = [i for i in range(len(units) - 1) if i in kana and i + 1 in kana and units[i] != units[i + 1]]
        if not pairs:
            return None
        i = rng.choice(pairs)
        new_units = units[:i] + [units[i + 1], units[i]] + units[i + 2 :]
        return ("".join(new_units), f"swap {units[i]!r}<->{units[i + 1]!r}") if _kana_valid(new_units) else None
    i = rng.choice(kana)
    same_script = KATAKANA if script_of(units[i][0]) == "katakana" else HIRAGANA
    if op == "delete":
        if len(units) < 2:
            return None
        new_units = units[:i] + units[i + 1 :]
        return ("".join(new_units), f"delete {units[i]!r}") if _kana_valid(new_units) else None
    if op == "insert":
        position = rng.choice((i, i + 1))
        new = rng.choice(same_script)
        return "".join(units[:position] + [new] + units[position:]), f"insert {new!r}"
    if op == "keyboard":
        confusable = [j for j in kana if units[j] in KANA_CONFUSIONS]
        if not confusable:
            return None
        i = rng.choice(confusable)
        new = rng.choice(KANA_CONFUSIONS[units[i]])
    else:
        new = rng.choice([c for c in same_script if c != units[i]])
    new_units = units[:i] + [new] + units[i + 1 :]
    return ("".join(new_units), f"{op} {units[i]!r}->{new!r}") if _kana_valid(new_units) else None


# --- Bengali, Telugu: inside clusters ----------------------------------------------------------------
def _abugida(units: list[str], op: str, rng: random.Random, lang: str) -> Edit | None:
    classes = abugida_classes(lang)
    consonant, sign, virama = classes["consonant"], classes["vowel_sign"], classes["virama"]
    candidates: list[tuple[list[str], str]] = []  # all edits of this kind; one is drawn
    for i, unit in enumerate(units):
        chars = list(unit)
        ends_bare = chars[-1] in consonant or chars[-1] in classes["nukta"]
        if op == "substitute":
            for k, char in enumerate(chars):
                if char in sign:
                    for new in COMMON_VOWEL_SIGNS[lang]:
                        if new != char:
                            candidates.append((units[:i] + ["".join(chars[:k] + [new] + chars[k + 1 :])] + units[i + 1 :], f"substitute vowel sign {unit!r}->{''.join(chars[:k] + [new] + chars[k + 1:])!r}"))
        elif op == "keyboard":
            for k, char in enumerate(chars):
                if char in consonant:
                    new = rng.choice([c for c in COMMON_CONSONANTS[lang] if c != char])
                    edited = "".join(chars[:k] + [new] + chars[k + 1 :])
                    candidates.append((units[:i] + [edited] + units[i + 1 :], f"substitute consonant {unit!r}->{edited!r}"))
        elif op == "delete":
            for k, char in enumerate(chars):
                if k > 0 and (char in sign or char in virama or char in classes["modifier"]):
                    edited = "".join(chars[:k] + chars[k + 1 :])
                    candidates.append((units[:i] + [edited] + units[i + 1 :], f"delete {char!r} in {unit!r}"))
            if not candidates and len(units) >= 3:
                candidates.append((units[:i] + units[i + 1 :], f"delete {unit!r}"))
        elif op == "insert":
            if ends_bare:
                new = rng.choice(COMMON_VOWEL_SIGNS[lang])
                candidates.append((units[:i] + [unit + new] + units[i + 1 :], f"insert vowel sign {unit!r}->{unit + new!r}"))
                if i + 1 < len(units) and units[i + 1][0] in consonant:
                    joined = unit + next(iter(virama)) + units[i + 1]
                    candidates.append((units[:i] + [joined] + units[i + 2 :], f"insert virama {unit!r}+{units[i + 1]!r}->{joined!r}"))
        elif op == "swap":
            if i + 1 < len(units) and unit != units[i + 1]:
                candidates.append((units[:i] + [units[i + 1], unit] + units[i + 2 :], f"swap {unit!r}<->{units[i + 1]!r}"))
    rng.shuffle(candidates)
    for new_units, description in candidates[:_TRIES]:
        text = "".join(new_units)
        if not abugida_sequence_errors(text, lang):
            return text, description
    return None


def typo_word(word: str, lang: str, op: str, rng: random.Random) -> Edit | None:
    """Apply typo operation ``op`` to one word, or return None when it cannot apply to this word."""
    units = graphemes(word)
    if lang in ("bn", "te"):
        return _abugida(units, op, rng, lang)
    if lang == "ko":
        return _hangul(units, op, rng)
    if lang == "ja":
        return _kana(units, op, rng)
    return _alphabetic(units, op, rng)


def _typo_any_operation(word: str, lang: str, rng: random.Random) -> tuple[str, str, str] | None:
    """A typo of ``word`` by a uniformly drawn operation; the others, in random order, if it cannot apply."""
    for op in rng.sample(OPERATIONS, len(OPERATIONS)):
        edit = typo_word(word, lang, op, rng)
        if edit is not None and edit[0] != word:
            return op, edit[0], edit[1]
    return None


def typo_candidates(text: str, lang: str, word_index: int, rng: random.Random, n: int = 5) -> list[tuple[str, str]]:
    """Up to ``n`` distinct typo variants of word ``word_index`` of ``text`` as (new text, description);
    the unit editor of :func:`xqg.attacks.greedy_search.greedy_attack`."""
    word = words(text, lang)[word_index]
    out: dict[str, str] = {}
    for _ in range(2 * n):
        edit = _typo_any_operation(word.text, lang, rng)
        if edit is not None:
            op, new, description = edit
            out.setdefault(replace_spans(text, [(word.start, word.end, new)]), f"typo:{description} in word {word_index + 1}")
        if len(out) == n:
            break
    return list(out.items())


class TypoAttack:
    name = "typo"
    languages = LANGUAGES

    def __call__(self, query: str, lang: str, budget: int, rng: random.Random) -> Perturbation:
        check_budget(budget)
        targets = list(content_word_indices(query, lang))
        if not targets:
            return unchanged(query)
        spans, edits = [], []
        all_words = words(query, lang)
        for index in rng.sample(targets, len(targets)):
            word = all_words[index]
            edit = _typo_any_operation(word.text, lang, rng)
            if edit is None:
                continue
            op, new, description = edit
            spans.append((word.start, word.end, new))
            edits.append(f"typo:{description} in word {index + 1}")
            if len(edits) == budget:
                break
        return perturbation(query, replace_spans(query, spans), edits)

