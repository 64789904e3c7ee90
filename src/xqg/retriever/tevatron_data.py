"""Tevatron's training sets, the data the paper's retrievers were trained on.

One JSON object a line (the file optionally gzipped), as ``Tevatron/xor-tydi`` (``eng_span/train``:
XOR-TyDi questions with English passages, the fine-tuned regime) and ``Tevatron/wikipedia-nq`` (English
NQ, the zero-shot regime) ship them::

    {"query_id": "...", "query": "...", "answers": [...],
     "positive_passages": [{"docid": "...", "title": "...", "text": "..."}, ...],
     "negative_passages": [{"docid": "...", "title": "...", "text": "..."}, ...]}

Each record carries the text of its passages, so training needs neither the corpus nor BM25 mining:
the public code's ``--train_n_passages 8`` is the first positive (rotating by epoch) and 7 of these
negatives (``retriever_training.negatives_per_query``). Every record is checked: a malformed one is an
error naming the file, line and field.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from xqg.formats import InputFormatError

TitledText = tuple[str, str]  # (title, text)


class TevatronRecord(NamedTuple):
    query_id: str
    query: str
    answers: tuple[str, ...]
    positives: tuple[TitledText, ...]
    negatives: tuple[TitledText, ...]


def open_text(path: str | os.PathLike):
    """A text handle on ``path``, decompressing ``.gz``."""
    path = Path(path)
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")


def _passages(path, number: int, record: dict, field: str, *, required: bool) -> tuple[TitledText, ...]:
    passages = record.get(field, None if required else [])
    if not isinstance(passages, list):
        raise InputFormatError(path, number, field, "missing or not a list")
    if required and not passages:
        raise InputFormatError(path, number, field, "empty: a training query needs a positive passage")
    out = []
    for index, passage in enumerate(passages):
        where = f"{field}[{index}]"
        if not isinstance(passage, dict):
            raise InputFormatError(path, number, where, "expected an object with 'title' and 'text'")
        text, title = passage.get("text"), passage.get("title", "")
        if not isinstance(text, str) or not text.strip():
            raise InputFormatError(path, number, f"{where}.text", "missing, empty or not a string")
        if title is None:
            title = ""
        if not isinstance(title, str):
            raise InputFormatError(path, number, f"{where}.title", "not a string")
        out.append((title, text))
    return tuple(out)


def iter_tevatron(path: str | os.PathLike, *, require_positive: bool = True) -> Iterator[TevatronRecord]:
    """Stream and check the records of a Tevatron training file (ids unique, texts non-empty)."""
    seen: set[str] = set()
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputFormatError(path, number, None, f"malformed JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise InputFormatError(path, number, None, "expected a JSON object")
            qid, query = record.get("query_id"), record.get("query")
            if isinstance(qid, int) and not isinstance(qid, bool):
                qid = str(qid)
            for name, value in (("query_id", qid), ("query", query)):
                if not isinstance(value, str) or not value.strip():
                    raise InputFormatError(path, number, name, "missing, empty or not a string")
            if qid in seen:
                raise InputFormatError(path, number, "query_id", f"duplicate id {qid!r}")
            seen.add(qid)
            answers = record.get("answers", [])
            if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
                raise InputFormatError(path, number, "answers", "expected a list of strings")
            yield TevatronRecord(qid, query.strip(), tuple(answers),
                                 _passages(path, number, record, "positive_passages", required=require_positive),
                                 _passages(path, number, record, "negative_passages", required=False))


def read_tevatron_training(path: str | os.PathLike) -> list[TevatronRecord]:
    """Every record of a Tevatron training file; an error if it has none."""
    from tqdm import tqdm

    records = list(tqdm(iter_tevatron(path), desc=f"Tevatron training queries ({Path(path).name})", unit="q",
                        mininterval=10))
    if not records:
        raise InputFormatError(path, None, None, "no training records")
    return records
