"""xqg.xor_tydi.xor_prepare: the full-scale XOR-TyDi data path on a synthetic world
(tests/unit/xor_tydi/conftest.py): a corpus in DPR's TSV style, the gold-paragraph zip, NQ inputs, and
the sub-corpus protocol."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xqg.downloads import ChecksumError
from xqg.formats import iter_passages, read_qrels, read_questions
from xqg.xor_tydi.nq_training import NoPositivesError
from xqg.xor_tydi.xor_layout import XorTydiInputs, XorTydiOutputs
from xqg.xor_tydi.xor_prepare import prepare_xor_tydi


def _outputs(folder: Path) -> XorTydiOutputs:
    names = dict(corpus="corpus.tsv", dev="questions.dev.jsonl", train="questions.train.jsonl", qrels_dev="qrels.dev.tsv",
                 qrels_train="qrels.train.tsv", pairs_train="generator_pairs.train.jsonl",
                 pairs_dev="generator_pairs.dev.jsonl", english_train="english_train.jsonl", readme="README.md")
    return XorTydiOutputs.from_mapping({k: folder / v for k, v in names.items()})


CHECKSUMS = {"dev_questions": "cfe569e4c6d3539c2111d97249f900318f9273b246a61fff95216ce2a2e1505c",
             "train_questions": "f0c8202eebcef9fc129c9bb8e7a12fae1a7648163b249dc0a06df4318923f70b",
             "gold_paragraphs": None, "corpus": None, "nq_train": None}


@pytest.fixture(scope="module")
def prepared(world, tmp_path_factory):
    inputs = world[0]
    runs = {}
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        out = _outputs(tmp_path_factory.mktemp(f"out-{name}"))
        runs[name] = (out, prepare_xor_tydi(inputs, out, {"distractors": 500, "seed": seed}, CHECKSUMS))
    return runs


def test_qrels_pairs_and_english_training_data(world, prepared):
    inputs, expected, expected_en, squad = world
    out, counts = prepared["a"]
    for split, path in (("train", out.qrels_train), ("dev", out.qrels_dev)):
        assert {qid: set(docs) for qid, docs in read_qrels(path).items()} == expected[split]
    pairs = [json.loads(line) for line in out.pairs_train.read_text(encoding="utf-8").splitlines()]
    assert len(pairs) == 45 and set(pairs[0]) == {"passage_id", "lang", "question", "title", "text"}
    assert pairs[0]["title"] == "Gold train 0" and "\n" not in pairs[0]["text"]
    assert len(out.pairs_dev.read_text(encoding="utf-8").splitlines()) == 25
    english = [json.loads(line) for line in out.english_train.read_text(encoding="utf-8").splitlines()]
    assert {e["id"]: e["positive_passage_ids"] for e in english} == expected_en  # the lost query is dropped
    assert counts["english_queries_read"] == 5 and counts["english_queries_kept"] == 4
    dev = read_questions(out.dev)
    train = read_questions(out.train)  # the written file is valid for the strict reader
    assert (len(dev), len(train)) == (2110, 15250) and counts["language_codes_stripped"] == 2574
    assert counts["xor_references"] == {"references": 70, "matched": 70, "with_answer": 65, "overlap_only": 5}


def test_subcorpus_keeps_gold_and_exactly_n_seeded_distractors(world, prepared):
    inputs, expected, expected_en, _ = world
    gold = set().union(*expected["train"].values(), *expected["dev"].values(), *map(set, expected_en.values()))
    ids = {name: [p.id for p in iter_passages(out.corpus)] for name, (out, _) in prepared.items()}
    all_ids = [p.id for p in iter_passages(inputs.corpus)]
    for name, (out, counts) in prepared.items():
        assert gold <= set(ids[name])
        assert len(ids[name]) == len(gold) + 500 == counts["subcorpus_passages"]
        assert counts["gold_passages"] == len(gold) and counts["distractors"] == 500
        assert ids[name] == [i for i in all_ids if i in set(ids[name])]  # corpus order
    assert ids["a"] == ids["b"]  # same seed, same sub-corpus
    assert set(ids["a"]) != set(ids["c"])  # another seed, other distractors
    assert (prepared["a"][0].corpus.read_bytes() == prepared["b"][0].corpus.read_bytes())
    readme = prepared["a"][0].readme.read_text(encoding="utf-8")
    assert "plus 500 distractors" in readme and "default_rng(1)" in readme and CHECKSUMS["dev_questions"] in readme


def test_whole_corpus_when_distractors_is_null(world, tmp_path):
    inputs = world[0]
    out = _outputs(tmp_path)
    counts = prepare_xor_tydi(inputs, out, {"distractors": None, "seed": 13}, CHECKSUMS)
    assert counts["subcorpus_passages"] == counts["corpus_passages"] == len(list(iter_passages(inputs.corpus)))
    assert list(iter_passages(out.corpus)) == list(iter_passages(inputs.corpus))


def test_pinned_checksum_mismatch_stops_before_any_output(world, tmp_path):
    out = _outputs(tmp_path)
    with pytest.raises(ChecksumError, match="enwiki_20190201_w100.tsv"):
        prepare_xor_tydi(world[0], out, {"distractors": 10, "seed": 1}, {**CHECKSUMS, "corpus": "0" * 64})
    assert list(tmp_path.iterdir()) == []


def test_qa_csv_as_english_input_stops_before_the_corpus_is_read(world, tmp_path):
    qa = tmp_path / "nq-train.qa.csv"
    qa.write_text("who wrote hamlet\t['William Shakespeare']\n", encoding="utf-8")
    inputs = XorTydiInputs.from_mapping({**vars(world[0]), "nq_train": qa, "corpus": tmp_path / "absent.tsv"})
    out = _outputs(tmp_path / "out")
    with pytest.raises(NoPositivesError, match="data.xor_tydi.files.nq_train"):
        prepare_xor_tydi(inputs, out, {"distractors": 10, "seed": 1}, CHECKSUMS)
    assert not (tmp_path / "out").exists()
