"""xqg.encoding on tiny random BERT and XLM-R models built here (tests/unit/conftest.py, no downloads)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.helpers.tiny_encoders import SENTENCES
from xqg.encoder_spec import EncoderSpec
from xqg.encoding import encode_texts, load_model
from xqg.vector_encoding import shard_range


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


def test_shard_ranges_cover_every_passage_once():
    for n, k in [(11, 3), (2, 5), (0, 1), (100, 7)]:
        ranges = [shard_range(n, i, k) for i in range(k)]
        assert [x for r in ranges for x in r] == list(range(n))
        assert max(map(len, ranges)) - min(map(len, ranges)) <= 1
    with pytest.raises(ValueError):
        shard_range(10, 3, 3)


def test_bf16_close_to_fp32(tiny_model):
    spec = _spec(tiny_model, normalize=True)
    fp32 = encode_texts(SENTENCES, spec, kind="passage", precision="fp32", device="cpu", progress=False)
    bf16 = encode_texts(SENTENCES, spec, kind="passage", precision="bf16", device="cpu", progress=False)
    cosine = (fp32 * bf16).sum(axis=1)
    assert cosine.min() > 0.99 and not np.array_equal(fp32, bf16)


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
