"""Record types and loaders for every file the workflow reads: questions (XOR-TyDi JSONL), passages
(DPR-style TSV), generated queries (JSONL), TREC run files and qrels.

Every input is untrusted: a malformed record stops with :class:`InputFormatError`, which names the
file, the line and the field. Documented handling (not errors): a UTF-8 byte-order mark at the start,
CRLF line endings, blank lines (skipped), and a missing final newline.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from xqg.files import atomic_open
from xqg.languages import LANGUAGE_INFO


class InputFormatError(ValueError):
    """A bad record in an input file; the message names file, line and field."""

    def __init__(self, path: str | os.PathLike, line: int | None, field: str | None, message: str):
        self.path, self.line, self.field = str(path), line, field
        where = f"{path}" + (f", line {line}" if line is not None else "")
        what = f", field {field!r}" if field else ""
        super().__init__(f"{where}{what}: {message}")


class Question(NamedTuple):
    id: str
    text: str
    answers: tuple[str, ...]
    lang: str
    split: str = ""


class Passage(NamedTuple):
    id: str
    title: str
    text: str


class GeneratedQueries(NamedTuple):
    """The queries generated for one passage in one language, in sample order."""

    passage_id: str
    lang: str
    queries: tuple[str, ...]


def _lines(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, line without its ending) of a UTF-8 text file; blank lines skipped.

    Lines end at "\\n" only, as in binary mode; decoding is the text layer's, in C, not a ``decode`` call
    per line (a whole TREC run reads 1.08x faster: benchmarks/bench_scoring_overheads.py). Invalid UTF-8
    is located by line in a second pass."""
    try:
        with open(path, encoding="utf-8", newline="\n") as handle:
            for number, line in enumerate(handle, start=1):
                if number == 1 and line.startswith("\ufeff"):
                    line = line[1:]
                line = line.rstrip("\r\n")
                if line.strip():
                    yield number, line
    except FileNotFoundError:
        raise InputFormatError(path, None, None, "file not found") from None
    except UnicodeDecodeError:
        _raise_invalid_utf8_line(path)
        raise


def _raise_invalid_utf8_line(path: str | os.PathLike) -> None:
    """Raise InputFormatError naming the first line of ``path`` that is not valid UTF-8."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise InputFormatError(path, number, None, f"invalid UTF-8 ({error.reason} at byte {error.start})") from None


def _json_object(path, number: int, line: str) -> dict:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputFormatError(path, number, None, f"malformed JSON ({error.msg}, column {error.colno}); a truncated last line?") from None
    if not isinstance(record, dict):
        raise InputFormatError(path, number, None, f"expected a JSON object, got {type(record).__name__}")
    return record


def _string_field(path, number: int, record: dict, field: str, *, allow_empty: bool = False) -> str:
    if field not in record:
        raise InputFormatError(path, number, field, "missing field")
    value = record[field]
    if isinstance(value, (int,)) and not isinstance(value, bool) and field == "id":
        value = str(value)  # XOR-TyDi ids are strings of digits; accept a bare number, losslessly
    if not isinstance(value, str):
        raise InputFormatError(path, number, field, f"expected a string, got {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise InputFormatError(path, number, field, "empty")
    return value


def read_questions(path: str | os.PathLike, languages: Sequence[str] | None = None) -> list[Question]:
    """Read an XOR-Retrieve question file (one JSON object a line: id, question, answers, lang, split).

    Extra fields are ignored. ``lang`` must be one of the seven codes; whitespace around it is stripped
    (documented handling: the released train file has " ar").
    Answers may be empty only in files without gold answers (the test split); duplicate ids are errors.
    ``languages`` keeps only those languages.
    """
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for number, line in _lines(path):
        record = _json_object(path, number, line)
        qid = _string_field(path, number, record, "id")
        text = _string_field(path, number, record, "question")
        # Stripped: the released XOR-TyDi train file writes " ar" for every Arabic question.
        lang = _string_field(path, number, record, "lang").strip()
        if lang not in LANGUAGE_INFO:
            raise InputFormatError(path, number, "lang", f"unknown language code {lang!r}")
        answers = record.get("answers", [])
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise InputFormatError(path, number, "answers", "expected a list of strings")
        split = record.get("split", "")
        if not isinstance(split, str):
            raise InputFormatError(path, number, "split", "expected a string")
        if qid in seen:
            raise InputFormatError(path, number, "id", f"duplicate id {qid!r} (first on line {seen[qid]})")
        seen[qid] = number
        if languages is None or lang in languages:
            questions.append(Question(qid, text, tuple(answers), lang, split))
    return questions


def write_questions(path: str | os.PathLike, questions: Iterable[Question]) -> None:
    with atomic_open(path) as handle:
        for q in questions:
            record = {"id": q.id, "question": q.text, "answers": list(q.answers), "lang": q.lang, "split": q.split}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


PASSAGE_HEADER = ("id", "text", "title")


def iter_passages(path: str | os.PathLike) -> Iterator[Passage]:
    """Stream a passage collection in the DPR/XOR-TyDi TSV layout (columns id, text, title).

    The header line ``id<TAB>text<TAB>title`` is optional. Fields may be quoted as csv writes them
    (the released enwiki_20190201_w100.tsv quotes text containing quotes). Never loads the file whole.
    """
    seen: set[str] = set()
    first = True
    for number, line in _lines(path):
        row = next(csv.reader([line], delimiter="\t", quotechar='"'))
        if first:
            first = False
            if tuple(field.strip().lower() for field in row) == PASSAGE_HEADER:
                continue
        if len(row) != 3:
            raise InputFormatError(path, number, None, f"expected 3 tab-separated columns (id, text, title), got {len(row)}")
        pid, text, title = row
        if not pid.strip():
            raise InputFormatError(path, number, "id", "empty")
        if pid != pid.strip():
            raise InputFormatError(path, number, "id", f"whitespace around id {pid!r}")
        if not text.strip():
            raise InputFormatError(path, number, "text", "empty passage")
        if pid in seen:
            raise InputFormatError(path, number, "id", f"duplicate passage id {pid!r}")
        seen.add(pid)
        yield Passage(pid, title, text)


def read_passages(path: str | os.PathLike) -> list[Passage]:
    return list(iter_passages(path))


def write_passages(path: str | os.PathLike, passages: Iterable[Passage]) -> None:
    with atomic_open(path) as handle:
        writer = csv.writer(handle, delimiter="\t", quotechar='"', lineterminator="\n")
        writer.writerow(PASSAGE_HEADER)
        for p in passages:
            for field, value in (("id", p.id), ("text", p.text), ("title", p.title)):
                if "\t" in value or "\n" in value:
                    raise ValueError(f"passage {p.id}: field {field} contains a tab or newline")
            writer.writerow([p.id, p.text, p.title])


def iter_generated_queries(path: str | os.PathLike) -> Iterator[GeneratedQueries]:
    """Read generated queries: one JSON object a line, ``{"passage_id", "lang", "queries": [..]}``."""
    for number, line in _lines(path):
        record = _json_object(path, number, line)
        pid = _string_field(path, number, record, "passage_id")
        lang = _string_field(path, number, record, "lang")
        if lang not in LANGUAGE_INFO:
            raise InputFormatError(path, number, "lang", f"unknown language code {lang!r}")
        queries = record.get("queries")
        if not isinstance(queries, list) or not all(isinstance(q, str) for q in queries):
            raise InputFormatError(path, number, "queries", "expected a list of strings")
        yield GeneratedQueries(pid, lang, tuple(queries))


def write_generated_queries(path: str | os.PathLike, records: Iterable[GeneratedQueries]) -> None:
    with atomic_open(path) as handle:
        for r in records:
            handle.write(json.dumps({"passage_id": r.passage_id, "lang": r.lang, "queries": list(r.queries)}, ensure_ascii=False) + "\n")


# TREC run files: "qid Q0 docid rank score tag", one line per retrieved passage.
Run = dict[str, list[tuple[str, float]]]  # qid -> [(passage id, score)] in rank order


def write_trec_run(path: str | os.PathLike, run: Mapping[str, Sequence[tuple[str, float]]], tag: str) -> None:
    with atomic_open(path) as handle:
        for qid, ranking in run.items():
            for rank, (pid, score) in enumerate(ranking, start=1):
                handle.write(f"{qid} Q0 {pid} {rank} {score:.6f} {tag}\n")


def trec_run_passage_ids(path: str | os.PathLike) -> set[str]:
    """The passage ids a TREC run ranks, streamed: to load only those passages of a large corpus."""
    ids: set[str] = set()
    for number, line in _lines(path):
        parts = line.split()
        if len(parts) != 6:
            raise InputFormatError(path, number, None, f"expected 6 columns 'qid Q0 docid rank score tag', got {len(parts)}")
        ids.add(parts[2])
    return ids


def read_trec_run(path: str | os.PathLike) -> Run:
    """Read a TREC run; rankings are ordered by rank. Duplicate (qid, docid) pairs are errors."""
    rows: dict[str, list[tuple[int, str, float]]] = {}
    for number, line in _lines(path):
        parts = line.split()
        if len(parts) != 6:
            raise InputFormatError(path, number, None, f"expected 6 columns 'qid Q0 docid rank score tag', got {len(parts)}")
        qid, _, pid, rank, score, _ = parts
        try:
            rank_value, score_value = int(rank), float(score)
        except ValueError:
            raise InputFormatError(path, number, "rank/score", f"not a number: {rank!r} {score!r}") from None
        rows.setdefault(qid, []).append((rank_value, pid, score_value))
    run: Run = {}
    for qid, entries in rows.items():
        entries.sort()
        pids = [pid for _, pid, _ in entries]
        if len(set(pids)) != len(pids):
            raise InputFormatError(path, None, "docid", f"query {qid!r} lists a passage twice")
        run[qid] = [(pid, score) for _, pid, score in entries]
    return run


Qrels = dict[str, dict[str, int]]  # qid -> {passage id: relevance}


def write_qrels(path: str | os.PathLike, qrels: Mapping[str, Mapping[str, int]]) -> None:
    with atomic_open(path) as handle:
        for qid, judged in qrels.items():
            for pid, rel in judged.items():
                handle.write(f"{qid} 0 {pid} {rel}\n")


def read_qrels(path: str | os.PathLike) -> Qrels:
    qrels: Qrels = {}
    for number, line in _lines(path):
        parts = line.split()
        if len(parts) != 4:
            raise InputFormatError(path, number, None, f"expected 4 columns 'qid 0 docid relevance', got {len(parts)}")
        try:
            rel = int(parts[3])
        except ValueError:
            raise InputFormatError(path, number, "relevance", f"not an integer: {parts[3]!r}") from None
        qrels.setdefault(parts[0], {})[parts[2]] = rel
    return qrels


class ReferenceQuestion(NamedTuple):
    """A (passage, question in ``lang``) pair: query-generator training data or a held-out reference."""

    passage_id: str
    lang: str
    question: str


def read_generator_pairs(path: str | os.PathLike) -> list[ReferenceQuestion]:
    """Read ``{"passage_id", "lang", "question"}`` JSONL (extra fields, such as title and text, ignored)."""
    pairs = []
    for number, line in _lines(path):
        record = _json_object(path, number, line)
        lang = _string_field(path, number, record, "lang")
        if lang not in LANGUAGE_INFO:
            raise InputFormatError(path, number, "lang", f"unknown language code {lang!r}")
        pairs.append(
            ReferenceQuestion(_string_field(path, number, record, "passage_id"), lang, _string_field(path, number, record, "question"))
        )
    return pairs
