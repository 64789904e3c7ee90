"""Training queries for the dense retriever, from either training source.

- multilingual: the benchmark's training split (XOR-Retrieve JSONL) with positives from its qrels;
- english: an English-only file (the zero-shot regime; NQ at full scale), one JSON object a line with
  ``id``, ``question``, ``answers`` and ``positive_passage_ids``.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from xqg.formats import InputFormatError, Qrels, _json_object, _lines, read_questions


class TrainingQuery(NamedTuple):
    id: str
    text: str
    answers: tuple[str, ...]
    positives: tuple[str, ...]


def read_training_queries(path: str | os.PathLike, qrels: Qrels) -> list[TrainingQuery]:
    """Read training queries; XOR JSONL takes positives from ``qrels``, the English file carries its own."""
    first = next(_lines(path), None)
    if first is None:
        raise InputFormatError(path, None, None, "no training queries")
    if "positive_passage_ids" in _json_object(path, first[0], first[1]):
        return _read_english(path)
    return [
        TrainingQuery(q.id, q.text, q.answers, tuple(p for p, rel in qrels.get(q.id, {}).items() if rel > 0))
        for q in read_questions(path)
    ]


def _read_english(path) -> list[TrainingQuery]:
    queries, seen = [], set()
    for number, line in _lines(path):
        record = _json_object(path, number, line)
        for field, kind in (("id", str), ("question", str), ("answers", list), ("positive_passage_ids", list)):
            if not isinstance(record.get(field), kind):
                raise InputFormatError(path, number, field, f"missing or not a {kind.__name__}")
        if record["id"] in seen:
            raise InputFormatError(path, number, "id", f"duplicate id {record['id']!r}")
        seen.add(record["id"])
        queries.append(
            TrainingQuery(record["id"], record["question"], tuple(record["answers"]), tuple(record["positive_passage_ids"]))
        )
    return queries
