"""Every error about a file's content names the file: an empty corpus (hard-negative mining, encoding,
generation), training data that yields nothing to train on, and the tables' errors about the outcomes."""

from __future__ import annotations

import json

import pytest

from script_runner import Job, NamedList, record, run_script
from xqg.file_errors import naming_files
from xqg.formats import InputFormatError, Passage
from xqg.reporting.outcomes import OUTCOME_COLUMNS
from xqg.retriever.hard_negatives import mine_bm25_negatives

HEADER = "id\ttext\ttitle\n"


def test_naming_files_puts_the_files_in_front():
    with pytest.raises(ValueError, match=r"^data/outcomes\.csv: Table 1 found nothing$"):
        with naming_files("data/outcomes.csv"):
            raise ValueError("Table 1 found nothing")
    with pytest.raises(ValueError, match=r"^a\.tsv, b\.json: passage 'p9' is unknown$"):
        with naming_files("a.tsv", "b.json"):
            raise KeyError("passage 'p9' is unknown")
    with pytest.raises(ValueError, match=r"^b\.json: line 3 is bad$"):  # already named: unchanged
        with naming_files("a.tsv", "b.json"):
            raise ValueError("b.json: line 3 is bad")
    with pytest.raises(InputFormatError, match=r"^c\.tsv, line 2"):
        with naming_files("a.tsv"):
            raise InputFormatError("c.tsv", 2, None, "bad")
    with pytest.raises(TypeError):  # not a data error: untouched
        with naming_files("a.tsv"):
            raise TypeError("a bug")


def test_mining_from_an_empty_collection_names_its_file():
    with pytest.raises(InputFormatError, match=r"^corpus\.tsv: no passages to mine hard negatives from"):
        mine_bm25_negatives([("q1", "text")], [], {"q1": {"p1"}}, source="corpus.tsv")
    with pytest.raises(ValueError, match="no passages to mine from"):
        mine_bm25_negatives([("q1", "text")], [], {"q1": {"p1"}})
    assert mine_bm25_negatives([("q1", "capital city")], [Passage("p1", "t", "the capital city")], {"q1": set()},
                               progress=False, source="corpus.tsv") == {"q1": ["p1"]}


def _training_files(tmp_path, corpus_text: str):
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text(corpus_text, encoding="utf-8")
    questions = tmp_path / "english_train.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": "capital city", "answers": [], "positive_passage_ids": ["p1"]})
                         + "\n", encoding="utf-8")
    qrels = tmp_path / "qrels.train.tsv"
    qrels.write_text("", encoding="utf-8")
    return corpus, questions, qrels


def test_mine_hard_negatives_rule_on_an_empty_corpus_names_the_file(tmp_path):
    corpus, questions, qrels = _training_files(tmp_path, HEADER)  # a header and no passage
    job = Job(input=NamedList(corpus=str(corpus), questions=str(questions), qrels=str(qrels)),
              output=NamedList(str(tmp_path / "hard_negatives.english.json")),
              params=NamedList(settings=record(mode="positive_passage", depth=30)),
              log=NamedList(str(tmp_path / "mine.log")))
    with pytest.raises(InputFormatError) as error:
        run_script("mine_hard_negatives", job)
    assert str(error.value).startswith(f"{corpus}: no passages to mine hard negatives from")
    assert str(corpus) in (tmp_path / "mine.log").read_text(encoding="utf-8")
    assert not (tmp_path / "hard_negatives.english.json").exists()


def test_encode_passages_rule_on_an_empty_corpus_names_the_file(tmp_path):
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text(HEADER, encoding="utf-8")
    job = Job(input=NamedList(model=[], corpus=str(corpus)),
              output=NamedList(vectors=str(tmp_path / "shard~0.npy"), ids=str(tmp_path / "shard~0.ids.txt")),
              params=NamedList(model="unused", spec={}, encoding=record(batch_size=4, precision="fp32"), num_shards=1),
              log=NamedList(str(tmp_path / "encode.log")), wildcards=NamedList(shard="0"))
    # refused before the model ("unused") is loaded
    with pytest.raises(InputFormatError, match=rf"^{corpus}: no passages in shard 1 of 1 \(0 passages in all\)"):
        run_script("encode_passages", job)


def test_generate_queries_rule_on_an_empty_corpus_names_the_file(tmp_path):
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text(HEADER, encoding="utf-8")
    job = Job(input=NamedList(corpus=str(corpus), model=[]), output=NamedList(str(tmp_path / "shard~0.jsonl")),
              params=NamedList(generator=record(type="template"), languages=["fi"], num_shards=1,
                               generation=record(samples_per_language=1, seed=1)),
              log=NamedList(str(tmp_path / "generate.log")), wildcards=NamedList(shard="0"))
    with pytest.raises(InputFormatError, match=rf"^{corpus}: no passages to generate queries for"):
        run_script("generate_queries", job)


def test_train_retriever_rule_names_the_files_when_nothing_is_left_to_train_on(tmp_path):
    corpus, questions, qrels = _training_files(tmp_path, HEADER + "p1\tthe capital city\tt\np2\tanother city\tt\n")
    negatives = tmp_path / "hard_negatives.json"
    negatives.write_text(json.dumps({"q1": ["p9"]}), encoding="utf-8")  # p9 is not in the corpus
    job = Job(input=NamedList(corpus=str(corpus), questions=str(questions), qrels=str(qrels), negatives=str(negatives)),
              output=NamedList(str(tmp_path / "model")), log=NamedList(str(tmp_path / "train.log")),
              params=NamedList(model="unused", spec={}, checkpoints=str(tmp_path / "work"),
                               training=record(precision="fp32", negatives_per_query=1,
                                               hard_negatives=record(mode="positive_passage", depth=30))))
    with pytest.raises(ValueError, match=rf"^{negatives}, {corpus}: .*p9"):
        run_script("train_retriever", job)
    negatives.write_text(json.dumps({"q1": []}), encoding="utf-8")  # no hard negative: the example is left out
    with pytest.raises(ValueError, match=rf"^{questions}: no training example"):
        run_script("train_retriever", job)


def test_table_rules_name_the_outcomes_file(tmp_path):
    outcomes = tmp_path / "outcomes.csv"
    row = {"dataset": "ci", "backbone": "b", "regime": "zero-shot", "generator": "none", "k": 0, "alpha": 0.0, "lang": "fi",
           "query_set": "typo~1", "attack_budget": 1, "sample": 0, "qid": "q1", "token_budget": 50, "hit": 1,
           "top_jaccard": 1.0}
    outcomes.write_text(",".join(OUTCOME_COLUMNS) + "\n" + ",".join(str(row[c]) for c in OUTCOME_COLUMNS) + "\n",
                        encoding="utf-8")  # no clean query set
    job = Job(input=NamedList(outcomes=str(outcomes)), log=NamedList(str(tmp_path / "table1.log")),
              output=NamedList(csv=str(tmp_path / "table1.csv")),
              params=NamedList(k=2, alpha=0.01, statistics=record(test="mcnemar", correction="holm"), reference=None,
                               labels=record(backbones=None, generators=None)))
    with pytest.raises(ValueError, match=rf"^{outcomes}: "):
        run_script("table1", job)


def test_collect_rules_name_an_unreadable_table(tmp_path):
    good, empty = tmp_path / "a" / "outcomes.csv", tmp_path / "b" / "outcomes.csv"
    for path in (good, empty):
        path.parent.mkdir()
    good.write_text("qid,hit\nq1,1\n", encoding="utf-8")
    empty.write_text("", encoding="utf-8")  # e.g. a job killed while it wrote, outside the atomic writers
    job = Job(input=NamedList(outcomes=[str(good), str(empty)], measures=[str(good)]),
              output=NamedList(outcomes=str(tmp_path / "outcomes.csv"), measures=str(tmp_path / "measures.csv")),
              params=NamedList(dataset="ci"), log=NamedList(str(tmp_path / "collect.log")))
    with pytest.raises(ValueError, match=rf"^{empty}: "):
        run_script("collect_outcomes", job)
