"""The validity gate: an attacked query must keep its information need. A variant that adds an answer
string the original query lacks (it hands the retriever the key term) or loses one the original has
(it asks something else) is rejected; :func:`xqg.attacks.attack_query_set` then draws again, and
back-translation drops the candidate. Rejections are counted per attack and language
(``rejection_rate`` in attacks/summary.csv).

Matching is on NFKC case-folded text, by substring, so inflected forms ("Portlandissa") count. Answers
shorter than two characters after normalisation ("5", "a") occur inside unrelated words and are not
judged. The gold passage's title is not checked: the dev files carry no gold passage (XOR-Retrieve's
R@kt judges by answer string), so the answers are the information the gate can see.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

MIN_ANSWER_CHARS = 2
MAX_DRAWS = 4  # draws per (query, sample) before the sample is left unchanged


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def answer_change(original: str, variant: str, answers: Sequence[str]) -> str | None:
    """Why ``variant`` changes the information need of ``original`` (adds or removes an answer), or None."""
    before, after = _normal(original), _normal(variant)
    for answer in answers:
        key = _normal(answer).strip()
        if len(key) < MIN_ANSWER_CHARS:
            continue
        if key in after and key not in before:
            return f"adds the answer {answer!r}"
        if key in before and key not in after:
            return f"removes the answer {answer!r}"
    return None
