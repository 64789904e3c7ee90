"""xqg.vector_encoding: passage shards, queries and generated queries into vector files, on tiny random
BERT and XLM-R models built here (tests/unit/conftest.py, no downloads)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.helpers.tiny_encoders import SENTENCES, WORDS
from xqg.encoder_spec import EncoderSpec
from xqg.encoding import EncodingOptions, encode_texts
from xqg.formats import GeneratedQueries, InputFormatError, Passage, write_generated_queries, write_passages
from xqg.vector_encoding import (
    read_passage_shard,
    encode_generated_queries,
    encode_generated_queries_by_language,
    encode_passage_shard,
    encode_queries,
)
from xqg.vectors import read_generated_query_vectors, read_vectors


def _spec(model: str, **overrides) -> EncoderSpec:
    return EncoderSpec(model, **({"pooling": "mean", "max_query_length": 16, "max_passage_length": 24} | overrides))


def test_sharded_equals_unsharded(tiny_model, tmp_path):
    passages = [Passage(f"doc{i}", title=WORDS[i % len(WORDS)], text=SENTENCES[i % len(SENTENCES)]) for i in range(11)]
    tsv = tmp_path / "passages.tsv"
    write_passages(tsv, passages)
    spec = _spec(tiny_model)
    options = dict(precision="fp32", device="cpu", progress=False, batch_size=4)
    assert encode_passage_shard(tsv, tmp_path / "all.npy", spec, 0, 1, chunk_size=5, **options) == 11
    all_ids, all_vectors = read_vectors(tmp_path / "all.npy")
    assert all_ids == [p.id for p in passages] and all_vectors.dtype == np.float16
    parts = [encode_passage_shard(tsv, tmp_path / f"s{i}.npy", spec, i, 3, num_passages=11, chunk_size=2, **options) for i in range(3)]
    assert parts == [3, 4, 4]
    shards = [read_vectors(tmp_path / f"s{i}.npy") for i in range(3)]
    assert sum((ids for ids, _ in shards), []) == all_ids
    np.testing.assert_allclose(np.concatenate([v for _, v in shards]).astype(np.float32), all_vectors.astype(np.float32), atol=2e-3)
    # the passage text is "title text"
    first = encode_texts([f"{passages[0].title} {passages[0].text}"], spec, kind="passage", precision="fp32", device="cpu", progress=False)
    np.testing.assert_allclose(all_vectors[0].astype(np.float32), first[0], atol=2e-3)
    with pytest.raises(InputFormatError, match="fewer"):
        encode_passage_shard(tsv, tmp_path / "bad.npy", spec, 0, 1, num_passages=12, **options)
    assert not (tmp_path / "bad.npy").exists() and not (tmp_path / "bad.ids.txt").exists()


def test_encode_queries_from_pairs_and_file(tiny_model, tmp_path):
    spec = _spec(tiny_model, query_prefix="q: ")
    options = dict(precision="fp32", device="cpu", progress=False)
    assert encode_queries([("7", "who built the city"), ("8", "king")], tmp_path / "q.npy", spec, **options) == 2
    ids, vectors = read_vectors(tmp_path / "q.npy")
    assert ids == ["7", "8"]
    expected = encode_texts(["who built the city", "king"], spec, kind="query", **options)
    np.testing.assert_allclose(vectors.astype(np.float32), expected, atol=2e-3)
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps({"id": qid, "question": q, "answers": ["x"], "lang": lang}) + "\n"
                                 for qid, q, lang in [("1", "king", "fi"), ("2", "a city", "te")]), encoding="utf-8")
    assert encode_queries(questions, tmp_path / "te.npy", spec, languages=["te"], **options) == 1
    assert read_vectors(tmp_path / "te.npy")[0] == ["2"]


def test_generated_query_layout(tiny_model, tmp_path):
    records = [
        GeneratedQueries("p1", "fi", ("who built the city", "king", "a city")),
        GeneratedQueries("p2", "fi", ("what is the capital",)),
        GeneratedQueries("p1", "ar", ("where is the largest population", "queen")),
    ]
    path = tmp_path / "generated.jsonl"
    write_generated_queries(path, records)
    spec = _spec(tiny_model, query_prefix="q: ")
    options = dict(precision="fp32", device="cpu", progress=False, batch_size=2)
    assert encode_generated_queries(path, tmp_path / "g.npy", spec, chunk_size=4, **options) == (2, 2, 3)
    generated = read_generated_query_vectors(tmp_path / "g.npy")
    assert generated.passage_ids == ["p1", "p2"] and generated.languages == ["ar", "fi"]  # canonical language order
    assert generated.vectors.shape == (2, 2, 3, 16)
    np.testing.assert_array_equal(generated.counts, [[2, 3], [0, 1]])
    expected = encode_texts(["who built the city", "king", "a city"], spec, kind="query", **options)
    np.testing.assert_allclose(generated.vectors[0, 1].astype(np.float32), expected, atol=2e-3)
    assert np.isnan(generated.vectors[0, 0, 2]).all() and np.isnan(generated.vectors[1, 0]).all()
    assert np.isnan(generated.vectors[1, 1, 1:]).all() and not np.isnan(generated.vectors[1, 1, 0]).any()
    first, counts = generated.first_k("fi", 2)
    assert first.shape == (2, 2, 16) and counts.tolist() == [2, 1]
    # num_samples caps; a repeated (passage, language) is an error naming the file
    assert encode_generated_queries(path, tmp_path / "g1.npy", spec, num_samples=1, **options) == (2, 2, 1)
    assert read_generated_query_vectors(tmp_path / "g1.npy").counts.tolist() == [[1, 1], [0, 1]]
    write_generated_queries(path, records + [records[0]])
    with pytest.raises(InputFormatError, match="repeats passage 'p1'"):
        encode_generated_queries(path, tmp_path / "g2.npy", spec, **options)


def test_one_pass_by_language_equals_one_call_per_language(tiny_model, tmp_path, monkeypatch):
    import xqg.encoding as encoding
    import xqg.vector_encoding as vector_encoding

    records = [GeneratedQueries(f"p{i}", lang, tuple(SENTENCES[(i + j + len(lang)) % len(SENTENCES)] for j in range(1 + (i + j) % 3)))
               for i in range(6) for j, lang in enumerate(["te", "ar", "fi"]) if (i + j) % 4]  # some passages lack a language
    path = tmp_path / "generated.jsonl"
    write_generated_queries(path, records)
    spec = _spec(tiny_model, query_prefix="q: ")
    options = dict(precision="fp32", device="cpu", progress=False, batch_size=2, chunk_size=3)  # several chunks per language
    langs = ["ar", "fi", "te", "ko"]  # Korean: absent from the file, all-NaN as before
    for lang in langs:
        assert encode_generated_queries(path, tmp_path / f"old.{lang}.npy", spec, languages=[lang], **options)[0] == 6
    reads, loads = [], []
    original_iter, original_load = vector_encoding.iter_generated_queries, encoding.load_encoder
    monkeypatch.setattr(vector_encoding, "iter_generated_queries", lambda p: reads.append(p) or original_iter(p))
    monkeypatch.setattr(encoding, "load_encoder", lambda *a, **k: loads.append(a) or original_load(*a, **k))
    encoding.load_model.cache_clear()
    assert encode_generated_queries_by_language(path, {lang: tmp_path / f"new.{lang}.npy" for lang in langs}, spec, **options) == (6, 3)
    assert len(reads) == 2 and len(loads) == 1  # an index pass and an encoding pass, whatever the number of languages
    for lang in langs:
        for suffix in (".npy", ".ids.txt", ".counts.npy", ".layout.json"):
            assert (tmp_path / f"new.{lang}{suffix}").read_bytes() == (tmp_path / f"old.{lang}{suffix}").read_bytes(), (lang, suffix)
    assert np.isnan(read_generated_query_vectors(tmp_path / "new.ko.npy").vectors).all()
    with pytest.raises(ValueError, match="'ar' is asked for in two vector sets"):
        vector_encoding._encode_generated_sets(path, vector_encoding._index_generated(path),
                                               {tmp_path / "x.npy": ["ar"], tmp_path / "y.npy": ["fi", "ar"]}, spec, 3, chunk_size=3,
                                               options=EncodingOptions(batch_size=2, precision="fp32", device="cpu", progress=False))


def test_passage_shards_are_read_streamed_and_cover_the_collection(tmp_path):
    passages = [Passage(str(i), f"title {i}", f"text {i}") for i in range(11)]
    tsv = tmp_path / "corpus.tsv"
    write_passages(tsv, passages)
    shards = [read_passage_shard(tsv, shard, 3) for shard in range(3)]
    assert [len(shard) for shard in shards] == [3, 4, 4]  # shard_range's balanced, contiguous slices
    assert [p for shard in shards for p in shard] == passages
    assert read_passage_shard(tsv, 0, 1) == passages
