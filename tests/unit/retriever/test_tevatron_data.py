"""xqg.retriever.tevatron_data: Tevatron's training JSONL (plain or gzipped) is read with its passages'
text; a malformed record is an error naming the file, the line and the field."""

from __future__ import annotations

import gzip
import json

import pytest

from xqg.formats import InputFormatError
from xqg.retriever.tevatron_data import read_tevatron_training

GOOD = {"query_id": "-801", "query": "ロンドンの人口は？", "answers": ["8,908,081"],
        "positive_passages": [{"docid": "1", "title": "London", "text": "London has 8,908,081 people."}],
        "negative_passages": [{"docid": "2", "title": "Paris", "text": "Paris is in France."},
                              {"docid": "3", "title": None, "text": "Untitled passage."}]}


def _write(path, records, *, gz=False):
    text = "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_records_with_their_passages(tmp_path, gz):
    path = _write(tmp_path / ("train.jsonl.gz" if gz else "train.jsonl"), [GOOD, {**GOOD, "query_id": 7}], gz=gz)
    first, second = read_tevatron_training(path)
    assert first.query_id == "-801" and second.query_id == "7" and first.query == "ロンドンの人口は？"
    assert first.positives == (("London", "London has 8,908,081 people."),)
    assert first.negatives == (("Paris", "Paris is in France."), ("", "Untitled passage."))


SECOND = {**GOOD, "query_id": "-802"}


@pytest.mark.parametrize(("record", "line", "field"), [
    ({**SECOND, "positive_passages": []}, 2, "positive_passages"),  # no positive
    ({k: v for k, v in SECOND.items() if k != "positive_passages"}, 2, "positive_passages"),
    ({**SECOND, "positive_passages": [{"title": "t", "text": "  "}]}, 2, "positive_passages[0].text"),  # empty text
    ({**SECOND, "negative_passages": [{"title": 3, "text": "x"}]}, 2, "negative_passages[0].title"),  # wrong type
    ({**SECOND, "negative_passages": "p1 p2"}, 2, "negative_passages"),
    ({**SECOND, "query": ""}, 2, "query"),
    ({**SECOND, "answers": "8,908,081"}, 2, "answers"),
    (GOOD, 2, "query_id"),  # a duplicate of line 1's id
    ('{"query_id": "9", "query": ', 2, None),  # malformed JSON
])
def test_a_malformed_record_names_file_line_and_field(tmp_path, record, line, field):
    path = _write(tmp_path / "train.jsonl", [GOOD, record])
    with pytest.raises(InputFormatError) as caught:
        read_tevatron_training(path)
    assert (caught.value.path, caught.value.line, caught.value.field) == (str(path), line, field)
    assert str(caught.value).startswith(f"{path}, line {line}")


def test_an_empty_file_is_an_error(tmp_path):
    with pytest.raises(InputFormatError, match="no training records"):
        read_tevatron_training(_write(tmp_path / "train.jsonl", []))
