"""English training data for the zero-shot regime: NQ questions with their positive passages.

Tevatron/wikipedia-nq JSONL (optionally gzipped),
``{"query_id", "query", "answers", "positive_passages": [{"docid", "title", "text"}], ...}``.
DPR's ``nq-train.qa.csv`` (question<TAB>Python list of answers) has no positive passages: it is parsed
and then refused with an explanation, since inventing positives from answer strings alone over 18M
passages would be mostly wrong.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from tqdm import tqdm

from xqg.formats import InputFormatError
from xqg.retriever.tevatron_data import iter_tevatron, open_text


class EnglishQuery(NamedTuple):
    id: str
    question: str
    answers: tuple[str, ...]
    positives: tuple[tuple[str, str], ...]  # (title, text) of the positive passages in the source dump


class NoPositivesError(ValueError):
    """The English training file has questions but no positive passages."""


def read_nq_qa_csv(path: str | os.PathLike) -> list[tuple[str, tuple[str, ...]]]:
    """Read DPR's ``nq-{train,dev}.qa.csv``: no header, ``question<TAB>answers`` a line, the answers a
    Python list literal (``['Wilhelm Conrad Röntgen']``; DPR itself ``eval``s it: here
    ``ast.literal_eval``, which runs no code)."""
    rows = []
    with open_text(Path(path)) as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if "\t" not in line:
                raise InputFormatError(path, number, None, "expected 'question<TAB>[answers]'")
            question, answers_literal = line.rsplit("\t", 1)
            try:
                answers = ast.literal_eval(answers_literal)
            except (ValueError, SyntaxError):
                raise InputFormatError(path, number, "answers", f"not a list literal: {answers_literal[:60]!r}") from None
            if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
                raise InputFormatError(path, number, "answers", "expected a list of strings")
            if not question.strip():
                raise InputFormatError(path, number, "question", "empty")
            rows.append((question.strip(), tuple(answers)))
    return rows


def iter_tevatron_nq(path: str | os.PathLike) -> Iterator[EnglishQuery]:
    """Stream Tevatron/wikipedia-nq training JSONL (optionally .gz); negatives are ignored."""
    for record in iter_tevatron(path, require_positive=False):
        yield EnglishQuery(record.query_id, record.query, record.answers, record.positives)


def read_english_training(path: str | os.PathLike) -> list[EnglishQuery]:
    """The zero-shot regime's English training queries with their positive passages' text.

    Accepts Tevatron/wikipedia-nq JSONL; DPR's ``nq-train.qa.csv`` is recognised and refused with
    :class:`NoPositivesError` (it has no positive passages).
    """
    path = Path(path)
    with open_text(path) as handle:
        first = next((line for line in handle if line.strip()), "")
    if first.lstrip().startswith("{"):
        return list(tqdm(iter_tevatron_nq(path), desc="NQ training queries", unit="q", mininterval=10))
    rows = read_nq_qa_csv(path)
    raise NoPositivesError(
        f"{path} is DPR's question/answer list ({len(rows)} questions, format 'question<TAB>[answers]') and has "
        "no positive passages, which the zero-shot retriever needs. Give data.xor_tydi.files.nq_train a "
        "Tevatron/wikipedia-nq training file instead (JSONL, optionally .gz, one "
        '{"query_id", "query", "answers", "positive_passages": [{"docid", "title", "text"}]} a line; e.g. '
        "nq-train.jsonl.gz of the Hugging Face dataset Tevatron/wikipedia-nq, or DPR's "
        "biencoder-nq-train.json converted with Tevatron's convert_hn_format.py). Its positives are located "
        "in the XOR-TyDi corpus by title and text overlap.")
