"""Truncation to the model's maximum length is counted and logged per file: by the encoder (passages,
queries, generated queries), the generator (passage prompts) and, before training, the training rules
(tests/test_training_outputs.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from script_runner import Job, NamedList, record, run_script
from tiny_models import WORDS, save_tiny_bert, save_tiny_mt5
from xqg.encoder_spec import EncoderSpec
from xqg.formats import Passage
from xqg.truncation import count_truncated, counting_truncation, load_tokenizer, record_truncation

SHORT, LONG = "w1 w2 w3", " ".join(WORDS[:20])  # 5 and 22 tokens with [CLS] and [SEP]


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    return save_tiny_bert(tmp_path_factory.mktemp("bert"))


def test_count_truncated_by_hand(tiny_bert):
    tokenizer = load_tokenizer(tiny_bert)
    count = count_truncated(tokenizer, [SHORT, LONG, LONG, "w1 w2 w3 w4 w5 w6"], 8)  # the last is exactly 8 tokens
    assert (count.texts, count.truncated) == (4, 2)
    assert count.describe("queries.jsonl", "queries") == "queries.jsonl: 2 of 4 queries longer than 8 tokens, truncated to it"
    assert count_truncated(tokenizer, [LONG], 8, add_special_tokens=False, batch_size=1).truncated == 1
    assert count_truncated(tokenizer, [LONG], 30).truncated == 0


def test_a_tokenizer_without_encodings_is_asked_for_the_full_length(tiny_bert):
    fast = load_tokenizer(tiny_bert)

    class Slow:  # returns plain dicts, as a Python tokenizer does
        def __call__(self, texts, **options):
            return dict(fast(texts, **options))

    assert count_truncated(Slow(), [SHORT, LONG, LONG], 8).truncated == 2


def test_record_counts_only_inside_an_open_counter(tiny_bert):
    tokenizer = load_tokenizer(tiny_bert)
    batch = tokenizer([SHORT, LONG], truncation=True, max_length=8)
    record_truncation(batch, tokenizer, [SHORT, LONG], 8)  # no counter open: nothing to do
    with counting_truncation() as outer:
        with counting_truncation() as inner:
            record_truncation(batch, tokenizer, [SHORT, LONG], 8, weights=[1, 3])  # deduplicated texts: LONG 3 times
        record_truncation(batch, tokenizer, [SHORT, LONG], 8)
    assert (inner.texts, inner.truncated) == (4, 3)
    assert (outer.texts, outer.truncated) == (6, 4)


def test_encoding_counts_what_it_truncates_per_call(tiny_bert, tmp_path):
    from xqg.vector_encoding import encode_queries

    spec = EncoderSpec(tiny_bert, pooling="mean", max_query_length=8, max_passage_length=16)
    pairs = [("q1", SHORT), ("q2", LONG), ("q3", LONG), ("q4", SHORT)]  # LONG twice: encoded once, counted twice
    with counting_truncation() as counted:
        encode_queries(pairs, tmp_path / "q.npy", spec, precision="fp32", device="cpu", progress=False)
    assert (counted.texts, counted.truncated, counted.max_lengths) == (4, 2, {8})
    with counting_truncation() as counted:
        encode_queries(pairs[:1], tmp_path / "short.npy", spec, precision="fp32", device="cpu", progress=False)
    assert (counted.texts, counted.truncated) == (1, 0)


def test_generation_counts_truncated_passage_prompts(tmp_path):
    from xqg.generation.sampling import generate_queries

    model = save_tiny_mt5(tmp_path / "mt5")
    passages = [Passage("p1", "title", SHORT), Passage("p2", "title", LONG)]
    with counting_truncation() as counted:
        records = list(generate_queries(model, passages, ["ru", "fi"], n_samples=1, max_new_tokens=2, max_input_length=16,
                                        batch_size=1, progress=False, device="cpu"))
    assert len(records) == 4
    # the text prompt ("Generate a Russian question for this passage: title ...") is per passage and language:
    # p2's two prompts are longer than 16 tokens, p1's are not
    assert (counted.texts, counted.truncated, counted.max_lengths) == (4, 2, {16})


def _encode_passages_job(tmp_path, model, corpus_text: str) -> Job:
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text(corpus_text, encoding="utf-8")
    spec = {"pooling": "mean", "query_prefix": "", "passage_prefix": "", "normalize": False,
            "max_query_length": 8, "max_passage_length": 16}
    return Job(input=NamedList(model=[model], corpus=str(corpus)),
               output=NamedList(vectors=str(tmp_path / "shard~0.npy"), ids=str(tmp_path / "shard~0.ids.txt")),
               params=NamedList(model=model, spec=spec, encoding=record(batch_size=4, precision="fp32"), num_shards=1),
               log=NamedList(str(tmp_path / "encode_passages.log")), wildcards=NamedList(shard="0"), threads=1)


def test_encode_passages_rule_logs_truncation_per_file(tmp_path, tiny_bert):
    job = _encode_passages_job(tmp_path, tiny_bert, f"id\ttext\ttitle\np1\t{SHORT}\tt\np2\t{LONG}\tt\np3\t{SHORT}\tt\n")
    run_script("encode_passages", job)
    ids = (tmp_path / "shard~0.ids.txt").read_text(encoding="utf-8").split()
    assert ids == ["p1", "p2", "p3"] and np.load(tmp_path / "shard~0.npy").shape[0] == 3
    log = (tmp_path / "encode_passages.log").read_text(encoding="utf-8")
    assert f"{job.input.corpus} (shard 1 of 1): 1 of 3 passages longer than 16 tokens, truncated to it" in log, log


def test_encode_queries_rule_logs_truncation_per_query_set(tmp_path, tiny_bert):
    dev = tmp_path / "questions.dev.jsonl"
    dev.write_text("".join(json.dumps({"id": f"q{i}", "question": text, "answers": ["x"], "lang": "fi"}) + "\n"
                           for i, text in enumerate([SHORT, LONG, SHORT])), encoding="utf-8")
    attacked = tmp_path / "typo~1.jsonl"
    attacked.write_text("".join(json.dumps({"qid": f"q{i}", "lang": "fi", "sample": 0, "original": SHORT, "text": LONG,
                                            "changed": True, "units_changed": 1, "chrf": 50.0, "edits": [],
                                            "attack": "typo", "budget": 1}) + "\n" for i in range(3)), encoding="utf-8")
    spec = {"pooling": "mean", "query_prefix": "", "passage_prefix": "", "normalize": False,
            "max_query_length": 8, "max_passage_length": 16}
    log = tmp_path / "encode_queries.log"
    outputs = {name: str(tmp_path / f"{name}.npy") for name in ("clean", "typo~1")}
    outputs |= {f"ids~{name}": str(tmp_path / f"{name}.ids.txt") for name in ("clean", "typo~1")}
    job = Job(input=NamedList(model=[tiny_bert], clean=str(dev), attacked=[str(attacked)]), output=NamedList(**outputs),
              params=NamedList(model=tiny_bert, spec=spec, encoding=record(batch_size=4, precision="fp32")),
              log=NamedList(str(log)), wildcards=NamedList(lang="fi"), threads=1)
    run_script("encode_queries", job)
    text = log.read_text(encoding="utf-8")
    assert f"{dev} (fi): 1 of 3 queries longer than 8 tokens, truncated to it" in text, text
    assert f"{attacked}: 3 of 3 queries longer than 8 tokens, truncated to it" in text, text
    assert (tmp_path / "clean.ids.txt").read_text(encoding="utf-8").split() == ["q0", "q1", "q2"]
    assert len((tmp_path / "typo~1.ids.txt").read_text(encoding="utf-8").split()) == 3


def test_encode_generated_queries_rule_writes_every_declared_file_and_logs_truncation(tmp_path, tiny_bert):
    generated = tmp_path / "shard~0.jsonl"
    generated.write_text("".join(json.dumps({"passage_id": pid, "lang": lang, "queries": [SHORT, LONG]}) + "\n"
                                 for pid in ("p1", "p2") for lang in ("fi", "ja")), encoding="utf-8")
    outputs = {}
    for lang in ("fi", "ja"):
        outputs |= {lang: str(tmp_path / f"{lang}.npy"), f"ids~{lang}": str(tmp_path / f"{lang}.ids.txt"),
                    f"counts~{lang}": str(tmp_path / f"{lang}.counts.npy"), f"layout~{lang}": str(tmp_path / f"{lang}.layout.json")}
    spec = {"pooling": "mean", "query_prefix": "", "passage_prefix": "", "normalize": False,
            "max_query_length": 8, "max_passage_length": 16}
    log = tmp_path / "encode_generated_queries.log"
    job = Job(input=NamedList(model=[tiny_bert], generated=str(generated)), output=NamedList(**outputs),
              params=NamedList(model=tiny_bert, spec=spec, encoding=record(batch_size=4, precision="fp32"), samples=2),
              log=NamedList(str(log)), threads=1)
    run_script("encode_generated_queries", job)
    for path in outputs.values():
        assert (tmp_path / path).exists(), path
    assert f"{generated}: 4 of 8 generated queries longer than 8 tokens, truncated to it" in log.read_text(encoding="utf-8")
