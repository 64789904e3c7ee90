"""xqg.xor_tydi.xor_questions: the real question files (when ../shared is present) load with the
published counts and pinned checksums; the reader strips language codes only and names the file."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.helpers.paths import ROOT, SHARED_XOR_TYDI, XOR_DEV, XOR_TRAIN
from xqg.downloads import verify_checksum
from xqg.formats import InputFormatError
from xqg.xor_tydi.xor_questions import answerable, question_counts, read_xor_questions

REPO = ROOT
SHARED = SHARED_XOR_TYDI
DEV_FILE = XOR_DEV
TRAIN_FILE = XOR_TRAIN

needs_real = pytest.mark.skipif(not DEV_FILE.exists() or not TRAIN_FILE.exists(),
                                reason=f"real XOR-TyDi question files not found in {SHARED} (a fresh checkout has no ../shared)")


@needs_real
def test_real_question_files_load_with_the_published_counts(real_questions):
    (dev, dev_stripped), (train, train_stripped) = real_questions
    assert question_counts(dev) == {"ar": 350, "bn": 312, "fi": 360, "ja": 296, "ko": 299, "ru": 255, "te": 238}
    assert question_counts(train) == {"ar": 2574, "bn": 2582, "fi": 2088, "ja": 2288, "ko": 2469, "ru": 1941, "te": 1308}
    assert (len(dev), len(train)) == (2110, 15250)
    assert sum(1 for q in dev if not answerable(q.answers)) == 182
    assert sum(1 for q in train if not answerable(q.answers)) == 1214
    # the released train file writes every Arabic code as " ar"; nothing else is touched
    assert (dev_stripped, train_stripped) == (0, 2574)
    assert {q.split for q in dev} == {"dev"} and {q.split for q in train} == {"train"}
    # answers are kept byte for byte (the official evaluation matches raw substrings)
    assert any(a != a.strip() for q in dev for a in q.answers)


@needs_real
def test_real_question_files_match_the_pinned_checksums():
    config = yaml.safe_load((REPO / "config" / "xor_tydi.yaml").read_text())["data"]["xor_tydi"]["files"]
    readme = (SHARED / "README.md").read_text()
    for name, path in (("dev_questions", DEV_FILE), ("train_questions", TRAIN_FILE)):
        pinned = config[name]["sha256"]
        assert pinned in readme and config[name]["filename"] == path.name
        assert verify_checksum(path, pinned) == pinned


def test_question_reader_strips_codes_only_and_names_the_original_file(tmp_path):
    path = tmp_path / "q.jsonl"
    rows = [{"id": "1", "question": "Q?", "answers": ["A"], "lang": " ar", "split": "train"},
            {"id": "2", "question": "Q2?", "answers": ["yes"], "lang": "te", "split": "train"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    questions, stripped = read_xor_questions(path)
    assert stripped == 1 and [q.lang for q in questions] == ["ar", "te"]
    path.write_text(path.read_text() + json.dumps({**rows[0], "id": "3", "lang": "en"}) + "\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as error:
        read_xor_questions(path)
    assert error.value.path == str(path) and error.value.line == 3 and error.value.field == "lang"
    assert str(error.value) == f"{path}, line 3, field 'lang': unknown language code 'en'"
