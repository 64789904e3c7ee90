"""Encoding on tiny random BERT and XLM-R models built here (no downloads)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from xqg.encoder_spec import EncoderSpec
from xqg.encoding import EncodingOptions, encode_texts, length_sorted_batches, load_model
from xqg.torch_runtime import cpu_has_native_bf16, resolve_precision
from xqg.vector_encoding import (
    encode_generated_queries,
    encode_generated_queries_by_language,
    encode_passage_shard,
    encode_queries,
    shard_range,
)
from xqg.formats import GeneratedQueries, InputFormatError, Passage, write_generated_queries, write_passages
from xqg.vectors import VectorWriter, ids_path, read_generated_query_vectors, read_vectors, write_vectors

WORDS = "the a of river city capital population who when where what is was built largest first king queen".split()
SENTENCES = [
    "who built the city",
    "what is the capital",
    "the largest river of the city was built first",
    "king",
    "when was the first queen of the river city the capital of the king",
    "where is the largest population",
    "a city",
    "the population of the capital city is the largest of the river",
]


def _tokenizer(special: dict[str, str]):
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    order = [special["cls"], special["pad"], special["sep"], special["unk"], "q:", "p:"] + WORDS
    vocab = {token: index for index, token in enumerate(order)}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token=special["unk"]))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{special['cls']} $A {special['sep']}",
        special_tokens=[(special["cls"], vocab[special["cls"]]), (special["sep"], vocab[special["sep"]])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, cls_token=special["cls"], sep_token=special["sep"], pad_token=special["pad"], unk_token=special["unk"]
    ), len(vocab)


@pytest.fixture(scope="module", params=["bert", "xlm-roberta"])
def tiny_model(request, tmp_path_factory) -> str:
    from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "bert":
        tokenizer, size = _tokenizer({"cls": "[CLS]", "pad": "[PAD]", "sep": "[SEP]", "unk": "[UNK]"})
        config = BertConfig(vocab_size=size, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
                            max_position_embeddings=64, pad_token_id=1)
        model = BertModel(config, add_pooling_layer=False)
    else:
        tokenizer, size = _tokenizer({"cls": "<s>", "pad": "<pad>", "sep": "</s>", "unk": "<unk>"})
        config = XLMRobertaConfig(vocab_size=size, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
                                  max_position_embeddings=70, pad_token_id=1)
        model = XLMRobertaModel(config, add_pooling_layer=False)
    model.save_pretrained(folder)  # safetensors
    tokenizer.save_pretrained(folder)
    return str(folder)


def _spec(model: str, **overrides) -> EncoderSpec:
    return EncoderSpec(model, **({"pooling": "mean", "max_query_length": 16, "max_passage_length": 24} | overrides))


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_length_sorted_batches_equal_one_by_one(tiny_model, pooling):
    spec = _spec(tiny_model, pooling=pooling)
    batched = encode_texts(SENTENCES, spec, kind="passage", batch_size=3, precision="fp32", device="cpu", progress=False)
    single = np.stack([encode_texts([s], spec, kind="passage", precision="fp32", device="cpu", progress=False)[0] for s in SENTENCES])
    assert batched.shape == (len(SENTENCES), 16) and batched.dtype == np.float32
    np.testing.assert_allclose(batched, single, atol=1e-5)


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_pooling_by_hand(tiny_model, pooling):
    tokenizer, model = load_model(tiny_model, "cpu")
    text = "the largest river"
    ids = tokenizer(text)["input_ids"]
    assert len(ids) == 5  # [CLS] the largest river [SEP]
    with torch.no_grad():
        hidden = model(input_ids=torch.tensor([ids])).last_hidden_state[0].numpy()
    expected = hidden[0] if pooling == "cls" else hidden.sum(axis=0) / 5
    got = encode_texts([text], _spec(tiny_model, pooling=pooling), kind="query", precision="fp32", device="cpu", progress=False)[0]
    np.testing.assert_allclose(got, expected, atol=1e-5)
    normalised = encode_texts([text], _spec(tiny_model, pooling=pooling, normalize=True), kind="query", precision="fp32", device="cpu", progress=False)[0]
    np.testing.assert_allclose(normalised, expected / np.linalg.norm(expected), atol=1e-5)


def test_prefixes_and_truncation(tiny_model):
    plain = _spec(tiny_model)
    prefixed = _spec(tiny_model, query_prefix="q: ", passage_prefix="p: ")
    encode = lambda texts, spec, kind: encode_texts(texts, spec, kind=kind, precision="fp32", device="cpu", progress=False)
    np.testing.assert_allclose(encode(["who built it"], prefixed, "query"), encode(["q: who built it"], plain, "query"), atol=1e-6)
    np.testing.assert_allclose(encode(["a city"], prefixed, "passage"), encode(["p: a city"], plain, "passage"), atol=1e-6)
    assert not np.allclose(encode(["a city"], prefixed, "query"), encode(["a city"], prefixed, "passage"))
    short = _spec(tiny_model, max_query_length=4)  # [CLS] who built [SEP]
    np.testing.assert_allclose(encode(["who built the city"], short, "query"), encode(["who built"], plain, "query"), atol=1e-6)


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


def test_length_sorted_batches_and_shards():
    assert length_sorted_batches([3, 9, 1, 5, 9], 2) == [[1, 4], [3, 0], [2]]
    with pytest.raises(ValueError):
        length_sorted_batches([1], 0)
    for n, k in [(11, 3), (2, 5), (0, 1), (100, 7)]:
        ranges = [shard_range(n, i, k) for i in range(k)]
        assert [x for r in ranges for x in r] == list(range(n))
        assert max(map(len, ranges)) - min(map(len, ranges)) <= 1
    with pytest.raises(ValueError):
        shard_range(10, 3, 3)


def test_precision_detection(tmp_path, monkeypatch):
    amx = tmp_path / "amx"
    amx.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f amx_bf16 amx_tile\n")
    avx2 = tmp_path / "avx2"
    avx2.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 fma\n")
    assert cpu_has_native_bf16(amx) and not cpu_has_native_bf16(avx2) and not cpu_has_native_bf16(tmp_path / "absent")
    cpu = torch.device("cpu")
    monkeypatch.setattr("xqg.torch_runtime.cpu_has_native_bf16", lambda: False)
    assert resolve_precision(cpu, "auto") == "fp32"
    monkeypatch.setattr("xqg.torch_runtime.cpu_has_native_bf16", lambda: True)
    assert resolve_precision(cpu, "auto") == "bf16"
    assert resolve_precision(cpu, "fp32") == "fp32"
    with pytest.raises(ValueError, match="fp16 on CPU"):
        resolve_precision(cpu, "fp16")
    with pytest.raises(ValueError, match="unknown precision"):
        resolve_precision(cpu, "int4")


def test_bf16_close_to_fp32(tiny_model):
    spec = _spec(tiny_model, normalize=True)
    fp32 = encode_texts(SENTENCES, spec, kind="passage", precision="fp32", device="cpu", progress=False)
    bf16 = encode_texts(SENTENCES, spec, kind="passage", precision="bf16", device="cpu", progress=False)
    cosine = (fp32 * bf16).sum(axis=1)
    assert cosine.min() > 0.99 and not np.array_equal(fp32, bf16)


# ----------------------------------------------------------------------------- vector files (xqg.vectors)

def test_round_trip_is_float16_and_memory_mapped(tmp_path):
    array = np.arange(12, dtype=np.float32).reshape(4, 3) / 8
    write_vectors(tmp_path / "v.npy", ["a", "b", "c", "d"], array)
    assert (tmp_path / "v.ids.txt").read_text() == "a\nb\nc\nd\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.ids.txt", "v.npy"]  # no temporary left behind
    ids, vectors = read_vectors(tmp_path / "v.npy")
    assert ids == ["a", "b", "c", "d"] and vectors.dtype == np.float16 and isinstance(vectors, np.memmap)
    np.testing.assert_array_equal(vectors, array)  # multiples of 1/8 are exact in float16
    assert not isinstance(read_vectors(tmp_path / "v.npy", mmap=False)[1], np.memmap)


def test_bad_ids_files_are_errors_naming_the_file(tmp_path):
    write_vectors(tmp_path / "v.npy", ["a", "b"], np.zeros((2, 3)))
    ids = ids_path(tmp_path / "v.npy")
    ids.write_text("a\n")
    with pytest.raises(InputFormatError, match=r"v\.ids\.txt: 1 ids for 2 vectors"):
        read_vectors(tmp_path / "v.npy")
    ids.write_text("a\na\n")
    with pytest.raises(InputFormatError, match=r"v\.ids\.txt, line 2, field 'id': duplicate id 'a'"):
        read_vectors(tmp_path / "v.npy")
    ids.write_text("a\n\n")
    with pytest.raises(InputFormatError, match="line 2.*empty id"):
        read_vectors(tmp_path / "v.npy")
    ids.unlink()
    with pytest.raises(InputFormatError, match="ids file not found"):
        read_vectors(tmp_path / "v.npy")
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(InputFormatError, match=r"junk\.npy: not a \.npy array"):
        read_vectors(tmp_path / "junk.npy")


def test_write_checks(tmp_path):
    with pytest.raises(ValueError, match="must end in .npy"):
        write_vectors(tmp_path / "v", ["a"], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="does not match 2 ids"):
        write_vectors(tmp_path / "v.npy", ["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="newlines"):
        write_vectors(tmp_path / "v.npy", ["a\nb"], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="overflows float16"):
        write_vectors(tmp_path / "v.npy", ["a"], np.array([[1e6, 0.0]]))
    assert list(tmp_path.iterdir()) == []


def test_streaming_writer(tmp_path):
    rows = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32)
    with VectorWriter(tmp_path / "s.npy", num_rows=10, dim=4) as writer:
        for start in range(0, 10, 3):
            writer.write([f"id{i}" for i in range(start, min(start + 3, 10))], rows[start : start + 3])
        assert not (tmp_path / "s.npy").exists()  # only under its final name once complete
    ids, vectors = read_vectors(tmp_path / "s.npy")
    assert ids == [f"id{i}" for i in range(10)]
    np.testing.assert_array_equal(vectors, rows.astype(np.float16))
    # too few rows, too many rows, or an exception: nothing left behind
    with pytest.raises(ValueError, match="3 rows written, 5 announced"):
        with VectorWriter(tmp_path / "short.npy", num_rows=5, dim=4) as writer:
            writer.write(["a", "b", "c"], rows[:3])
    with pytest.raises(ValueError, match="more than the 2 rows"):
        with VectorWriter(tmp_path / "long.npy", num_rows=2, dim=4) as writer:
            writer.write(["a", "b", "c"], rows[:3])
    with pytest.raises(RuntimeError):
        with VectorWriter(tmp_path / "crash.npy", num_rows=2, dim=4) as writer:
            raise RuntimeError("interrupted")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.ids.txt", "s.npy"]


def test_repeated_texts_are_encoded_once_and_scattered_back(monkeypatch, tiny_model):
    import xqg.encoding as encoding

    calls = []
    original = encoding.embed
    monkeypatch.setattr(encoding, "embed", lambda model, batch, spec: calls.append(batch["input_ids"].shape[0]) or original(model, batch, spec))
    spec = EncoderSpec(model=tiny_model, pooling="mean")
    texts = ["who built the city", "a city", "who built the city", "a city", "who built the city", "the largest river"]
    vectors = encoding.encode_texts(texts, spec, kind="query", batch_size=64, progress=False, precision="fp32")
    assert sum(calls) == 3  # three distinct texts
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_array_equal(vectors[1], vectors[3])
    single = encoding.encode_texts(["the largest river"], spec, kind="query", progress=False, precision="fp32")
    np.testing.assert_allclose(vectors[5], single[0], atol=1e-5)
