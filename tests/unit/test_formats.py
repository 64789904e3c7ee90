"""Loaders: every bad-input case either has documented handling or names the file, line and field."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.paths import SHARED_XOR_TYDI
from xqg.formats import (
    GeneratedQueries,
    InputFormatError,
    Passage,
    Question,
    iter_generated_queries,
    iter_passages,
    read_passages,
    read_qrels,
    read_questions,
    read_trec_run,
    trec_run_passage_ids,
    write_generated_queries,
    write_passages,
    write_qrels,
    write_questions,
    write_trec_run,
)

SHARED = SHARED_XOR_TYDI
GOOD = {"id": "1", "question": "ఒరెగాన్ రాష్ట్రంలోని అతిపెద్ద నగరం ఏది ?", "answers": ["Portland"], "lang": "te", "split": "dev"}


def _write(path: Path, lines: list[str], ending: str = "\n") -> Path:
    path.write_bytes(ending.join(lines).encode("utf-8"))
    return path


def _jsonl(path, records, **kwargs):
    return _write(path, [json.dumps(r, ensure_ascii=False) for r in records], **kwargs)


def test_questions_round_trip(tmp_path):
    questions = [Question("1", "Mikä on Suomen pääkaupunki?", ("Helsinki",), "fi", "dev"), Question("2", "何？", (), "ja", "dev")]
    write_questions(tmp_path / "q.jsonl", questions)
    assert read_questions(tmp_path / "q.jsonl") == questions


@pytest.mark.parametrize(
    "record, line, field, message",
    [
        ({**GOOD, "lang": "xx"}, 2, "lang", "unknown language code 'xx'"),
        ({**GOOD, "lang": "t e"}, 2, "lang", "unknown language code 't e'"),
        ({k: v for k, v in GOOD.items() if k != "question"}, 2, "question", "missing field"),
        ({**GOOD, "question": "  "}, 2, "question", "empty"),
        ({**GOOD, "answers": "Portland"}, 2, "answers", "list of strings"),
        ({**GOOD, "id": ["1"]}, 2, "id", "expected a string"),
        ({**GOOD, "id": "0"}, 2, "id", "duplicate id '0'"),
    ],
)
def test_bad_question_records_name_file_line_and_field(tmp_path, record, line, field, message):
    path = _jsonl(tmp_path / "q.jsonl", [{**GOOD, "id": "0"}, record])
    with pytest.raises(InputFormatError, match=message) as error:
        read_questions(path)
    assert (error.value.path, error.value.line, error.value.field) == (str(path), line, field)
    assert f"line {line}" in str(error.value) and str(path) in str(error.value)


def test_truncated_last_line_and_non_utf8_are_errors(tmp_path):
    path = _write(tmp_path / "q.jsonl", [json.dumps(GOOD), json.dumps({**GOOD, "id": "2"})[:30]])
    with pytest.raises(InputFormatError, match="line 2.*malformed JSON"):
        read_questions(path)
    raw = tmp_path / "latin1.jsonl"
    raw.write_bytes(json.dumps({**GOOD, "question": "é"}, ensure_ascii=False).encode("latin-1"))
    with pytest.raises(InputFormatError, match="line 1.*invalid UTF-8"):
        read_questions(raw)
    with pytest.raises(InputFormatError, match="expected a JSON object"):
        read_questions(_write(tmp_path / "list.jsonl", ["[1, 2]"]))


def test_documented_tolerances_crlf_bom_blank_lines_no_final_newline(tmp_path):
    lines = ["\ufeff" + json.dumps(GOOD, ensure_ascii=False), "", json.dumps({**GOOD, "id": "2"}, ensure_ascii=False)]
    path = _write(tmp_path / "q.jsonl", lines, ending="\r\n")
    assert [q.id for q in read_questions(path)] == ["1", "2"]


def test_whitespace_around_language_codes_is_stripped(tmp_path):
    path = _jsonl(tmp_path / "q.jsonl", [{**GOOD, "lang": " te"}, {**GOOD, "id": "2", "lang": "ar\t"}])
    assert [q.lang for q in read_questions(path)] == ["te", "ar"]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/xor_tydi is absent (only in the project's own checkout)")
def test_real_train_questions_load_despite_their_arabic_code():
    questions = read_questions(SHARED / "xor_train_retrieve_eng_span.jsonl")
    assert len(questions) == 15250 and sum(q.lang == "ar" for q in questions) == 2574


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InputFormatError, match="file not found"):
        read_questions(tmp_path / "absent.jsonl")


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/xor_tydi is absent (only in the project's own checkout)")
def test_real_dev_questions_load_with_documented_counts():
    questions = read_questions(SHARED / "xor_dev_retrieve_eng_span_v1_1.jsonl")
    counts = {lang: sum(q.lang == lang for q in questions) for lang in "ar bn fi ja ko ru te".split()}
    assert counts == {"ar": 350, "bn": 312, "fi": 360, "ja": 296, "ko": 299, "ru": 255, "te": 238}
    assert sum(1 for q in questions if set(q.answers) <= {"yes", "no"}) == 182


def test_passages_with_and_without_header_and_quoting(tmp_path):
    passages = [Passage("1", "Aaron", 'He said "hi" to Moses.'), Passage("2", "", "No title here.")]
    write_passages(tmp_path / "c.tsv", passages)
    assert read_passages(tmp_path / "c.tsv") == passages
    no_header = _write(tmp_path / "n.tsv", ['1\t"Aaron ""Ha"" Levi"\tAaron', "2\ttext two\tTitle"])
    assert read_passages(no_header)[0] == Passage("1", "Aaron", 'Aaron "Ha" Levi')


@pytest.mark.parametrize(
    "line, field, message",
    [
        ("2\tonly two", None, "expected 3 tab-separated columns"),
        ("1\tdup\tT", "id", "duplicate passage id '1'"),
        ("3\t \tT", "text", "empty passage"),
        (" 4\ttext\tT", "id", "whitespace around id"),
    ],
)
def test_bad_passages(tmp_path, line, field, message):
    path = _write(tmp_path / "c.tsv", ["id\ttext\ttitle", "1\tfirst\tT", line])
    with pytest.raises(InputFormatError, match=message) as error:
        read_passages(path)
    assert error.value.line == 3 and error.value.field == field


def test_generated_queries_round_trip_and_errors(tmp_path):
    records = [GeneratedQueries("p1", "ko", ("서울은?", "수도는?")), GeneratedQueries("p1", "ru", ())]
    write_generated_queries(tmp_path / "g.jsonl", records)
    assert list(iter_generated_queries(tmp_path / "g.jsonl")) == records
    bad = _jsonl(tmp_path / "bad.jsonl", [{"passage_id": "p1", "lang": "ko", "queries": "x"}])
    with pytest.raises(InputFormatError, match="field 'queries'"):
        list(iter_generated_queries(bad))


def test_trec_run_and_qrels_round_trip_and_errors(tmp_path):
    run = {"q1": [("p2", 3.5), ("p1", 1.25)], "q2": [("p9", -0.5)]}
    write_trec_run(tmp_path / "r.trec", run, tag="t")
    assert read_trec_run(tmp_path / "r.trec") == run
    assert trec_run_passage_ids(tmp_path / "r.trec") == {"p1", "p2", "p9"}
    with pytest.raises(InputFormatError, match="line 1.*6 columns"):
        trec_run_passage_ids(_write(tmp_path / "short.trec", ["q1 Q0 p1 1 0.5"]))
    write_qrels(tmp_path / "q.tsv", {"q1": {"p2": 1}})
    assert read_qrels(tmp_path / "q.tsv") == {"q1": {"p2": 1}}
    with pytest.raises(InputFormatError, match="line 1.*6 columns"):
        read_trec_run(_write(tmp_path / "bad.trec", ["q1 Q0 p1 1 0.5"]))
    with pytest.raises(InputFormatError, match="lists a passage twice"):
        read_trec_run(_write(tmp_path / "dup.trec", ["q1 Q0 p1 1 0.5 t", "q1 Q0 p1 2 0.4 t"]))
    with pytest.raises(InputFormatError, match="field 'rank/score'"):
        read_trec_run(_write(tmp_path / "nan.trec", ["q1 Q0 p1 one 0.5 t"]))


text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1).filter(lambda s: s.strip())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(text, st.lists(text, max_size=3), st.sampled_from("ar bn fi ja ko ru te".split())), min_size=1, max_size=5))
def test_questions_round_trip_property(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("q") / "q.jsonl"
    questions = [Question(str(i), q, tuple(a), lang, "dev") for i, (q, a, lang) in enumerate(rows)]
    write_questions(path, questions)
    assert read_questions(path) == questions


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(text.filter(lambda s: "\t" not in s and "\n" not in s and "\r" not in s), text.filter(lambda s: "\t" not in s and "\n" not in s and "\r" not in s)), min_size=1, max_size=5))
def test_passages_round_trip_property(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("c") / "c.tsv"
    passages = [Passage(f"p{i}", title, body) for i, (title, body) in enumerate(rows)]
    write_passages(path, passages)
    assert read_passages(path) == passages


def test_dpr_tsv_quoting_is_read_by_iter_passages(tmp_path):
    # psgs_w100.tsv / enwiki_20190201_w100.tsv: header, text quoted with doubled quotes where it has quotes
    path = tmp_path / "w100.tsv"
    path.write_text('id\ttext\ttitle\n'
                    '1\t"Aaron Aaron ( or ; ""Ahärôn"") is a prophet, high priest, and the brother of Moses."\tAaron\n'
                    '2\tPlain text, no quotes.\t"""Weird Al"" Yankovic"\n'
                    '3\t"Ends with a quote ""x"""\tTitle with "inner" quotes\n', encoding="utf-8")
    assert list(iter_passages(path)) == [
        Passage("1", "Aaron", 'Aaron Aaron ( or ; "Ahärôn") is a prophet, high priest, and the brother of Moses.'),
        Passage("2", '"Weird Al" Yankovic', "Plain text, no quotes."),
        Passage("3", 'Title with "inner" quotes', 'Ends with a quote "x"'),
    ]


def test_invalid_utf8_deep_in_a_large_file_names_its_line(tmp_path):
    """The text layer decodes in chunks; the error still names the line and byte, as a line-by-line read would."""
    path = tmp_path / "run.trec"
    lines = [f"q{i} Q0 p{i} 1 1.0 tag".encode() for i in range(5000)]
    lines[4321] = b"q4321 Q0 p\xe9 1 1.0 tag"  # latin-1, deep inside the second 8 KiB chunk and beyond
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(InputFormatError, match=r"line 4322: invalid UTF-8 \(invalid continuation byte at byte 10\)"):
        read_trec_run(path)
    lines[4321] = "q4321 Q0 pé 1 1.0 tag\r".encode()  # CRLF and non-ASCII are fine
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert read_trec_run(path)["q4321"] == [("pé", 1.0)]
