"""XOR-Retrieve question files: ``xor_{train,dev}_retrieve_eng_span*.jsonl``.

Quirk of the released train file: all 2,574 Arabic questions carry ``"lang": " ar"`` (a leading space);
language codes are stripped here (and counted in the README). Answers are kept byte for byte (a few end
in a space; the official evaluation matches them as raw substrings).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence

from xqg.formats import Question, read_questions
from xqg.languages import LANGUAGES

log = logging.getLogger("xqg.xor_tydi")  # the package's one logger: log lines name it as before the split

YES_NO = frozenset({"yes", "no"})


def read_xor_questions(path: str | os.PathLike) -> tuple[list[Question], int]:
    """Read an XOR-Retrieve question file; return the questions and how many language codes had whitespace.

    :func:`xqg.formats.read_questions` validates the file and strips whitespace around language codes
    (the released train file writes Arabic as ``" ar"``); the count is only for the data README.
    """
    questions = read_questions(path)
    with open(path, "rb") as handle:
        padded = sum(1 for raw in handle if re.search(rb'"lang"\s*:\s*"(\s+[a-z]{2}|[a-z]{2}\s+)"', raw))
    if padded:
        log.warning("%s: stripped whitespace around %d language codes (e.g. ' ar')", path, padded)
    return questions, padded


def answerable(answers: Iterable[str]) -> tuple[str, ...]:
    """The answers the official evaluation uses: all but "yes" and "no"."""
    return tuple(a for a in answers if a not in YES_NO)


def _stripped(answers: Iterable[str]) -> tuple[str, ...]:
    return tuple(a.strip() for a in answers if a.strip())


def question_counts(questions: Sequence[Question]) -> dict[str, int]:
    counts = {lang: 0 for lang in LANGUAGES}
    for q in questions:
        counts[q.lang] += 1
    return counts
