"""xqg.retriever.training: learning on a toy task with tiny random models, bit-identical resume from a
checkpoint, bf16 autocast and frozen embeddings."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
import torch

from xqg.encoder_spec import EncoderSpec
from xqg.retriever.bi_encoder import TrainingConfig, TrainingExample
from xqg.retriever.training import train_bi_encoder


WORDS = [f"w{i}" for i in range(40)]


def _save_tiny_model(path, model_type: str) -> str:
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast, XLMRobertaConfig, XLMRobertaModel

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    vocab = {token: i for i, token in enumerate(specials + WORDS + ["title"])}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]"
    )
    sizes = dict(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                 intermediate_size=64, pad_token_id=0)
    torch.manual_seed(0)
    if model_type == "bert":
        model = BertModel(BertConfig(max_position_embeddings=64, **sizes), add_pooling_layer=False)
    else:
        model = XLMRobertaModel(XLMRobertaConfig(max_position_embeddings=66, **sizes), add_pooling_layer=False)
    model.save_pretrained(path, safe_serialization=True)
    fast.save_pretrained(path)
    return str(path)


def _toy_examples(count: int, seed: int = 0) -> list[TrainingExample]:
    """Query = 3 words; its positive contains them (plus 3 others); negatives are random words."""
    rng = random.Random(seed)
    examples = []
    for _ in range(count):
        words = rng.sample(WORDS, 3)
        positive = " ".join(rng.sample(words + rng.sample(WORDS, 3), 6))
        negatives = tuple(("title", " ".join(rng.sample(WORDS, 6))) for _ in range(3))
        examples.append(TrainingExample(" ".join(words), (("title", positive),), negatives))
    return examples


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    return _save_tiny_model(tmp_path_factory.mktemp("bert"), "bert")


@pytest.mark.parametrize(
    ("model_type", "pooling", "normalize", "temperature"),
    # [CLS] pooling of a randomly initialised model needs far more than 20 steps to escape its
    # constant output; mean pooling learns the toy task within a few steps.
    [("bert", "mean", False, 1.0), ("xlm-roberta", "mean", True, 0.05)],
)
def test_loss_falls_on_toy_task(tmp_path, model_type, pooling, normalize, temperature):
    model = _save_tiny_model(tmp_path / "model", model_type)
    spec = EncoderSpec(model, pooling=pooling, normalize=normalize, max_query_length=8, max_passage_length=16)
    config = TrainingConfig(learning_rate=5e-3, batch_size=8, negatives_per_query=1, epochs=100, max_steps=20,
                            warmup_ratio=0.1, temperature=temperature, checkpoint_every=1000, seed=7)
    summary = train_bi_encoder(_toy_examples(64), spec, config, tmp_path / "out", device="cpu", threads=1, progress=False)
    # 8 queries x 16 passages: chance level is ln 16 = 2.77
    assert summary.steps == 20 and summary.resumed_from_step == 0
    # mean loss of the last 10 steps against the first 10
    assert summary.final_loss < 0.7 * summary.initial_loss, (summary.initial_loss, summary.final_loss)
    out = tmp_path / "out"
    assert (out / "model.safetensors").exists() and (out / "tokenizer.json").exists()
    assert not (out / "checkpoint").exists()
    log = [json.loads(line) for line in (out / "training_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == list(range(1, 21))
    # 2 warmup steps (0.1 x 20), then linear decay to 0 at step 20
    assert [r["lr"] for r in log[:3]] == pytest.approx([0.0, 2.5e-3, 5e-3])
    assert log[-1]["lr"] == pytest.approx(5e-3 / 18)
    assert json.loads((out / "summary.json").read_text())["steps"] == 20


class _Killed(Exception):
    pass


def _weights(folder):
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def test_resume_after_kill_matches_uninterrupted_run(tmp_path, tiny_bert):
    spec = EncoderSpec(tiny_bert, max_query_length=8, max_passage_length=16)
    # dropout is on, accumulation spans 2 micro-batches, and 20 examples / 4 = 5 micro-batches make
    # 3 steps per epoch, the last with one micro-batch; 8 steps cross two epoch boundaries.
    config = TrainingConfig(learning_rate=1e-3, batch_size=4, negatives_per_query=2, epochs=10, max_steps=8,
                            gradient_accumulation_steps=2, checkpoint_every=3, seed=11)
    examples = _toy_examples(20, seed=1)
    reference = train_bi_encoder(examples, spec, config, tmp_path / "a", device="cpu", threads=1, progress=False)

    def kill_at_step_5(step, loss):
        if step == 5:
            raise _Killed

    with pytest.raises(_Killed):
        train_bi_encoder(examples, spec, config, tmp_path / "b", device="cpu", threads=1, progress=False, on_step=kill_at_step_5)
    assert (tmp_path / "b" / "checkpoint" / "model" / "model.safetensors").exists()
    assert not (tmp_path / "b" / "summary.json").exists()

    with pytest.raises(ValueError, match="learning_rate"):
        changed = TrainingConfig(**{**config.__dict__, "learning_rate": 2e-3})
        train_bi_encoder(examples, spec, changed, tmp_path / "b", device="cpu", threads=1, progress=False)

    resumed = train_bi_encoder(examples, spec, config, tmp_path / "b", device="cpu", threads=1, progress=False)
    assert resumed.resumed_from_step == 3
    assert [r["loss"] for r in resumed.log] == pytest.approx([r["loss"] for r in reference.log], abs=1e-6)
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(a[name], b[name], atol=1e-6, rtol=0)
    # and training did move the weights
    start = _weights(Path(tiny_bert))
    assert any(not torch.allclose(start[name], a[name]) for name in a)


def test_bf16_autocast_trains_on_cpu(tmp_path, tiny_bert):
    spec = EncoderSpec(tiny_bert, max_query_length=8, max_passage_length=16)
    config = TrainingConfig(batch_size=4, negatives_per_query=1, epochs=1, max_steps=2, precision="bf16")
    summary = train_bi_encoder(_toy_examples(8), spec, config, tmp_path / "out", device="cpu", threads=1, progress=False)
    assert math.isfinite(summary.final_loss)
    with pytest.raises(ValueError, match="fp16"):
        train_bi_encoder(_toy_examples(8), spec, TrainingConfig(precision="fp16"), tmp_path / "x", device="cpu",
                         progress=False)


def test_frozen_embeddings_stay_unchanged(tmp_path, tiny_bert):
    """freeze_embeddings (a CPU budget knob) trains everything but the word-embedding matrix."""
    from safetensors.torch import load_file

    spec = EncoderSpec(tiny_bert, pooling="mean", max_query_length=8, max_passage_length=16)
    config = TrainingConfig(batch_size=4, negatives_per_query=1, epochs=1, max_steps=3, learning_rate=1e-3,
                            freeze_embeddings=True)
    train_bi_encoder(_toy_examples(12), spec, config, tmp_path / "out", device="cpu", threads=1, progress=False)
    before = load_file(f"{tiny_bert}/model.safetensors")
    after = load_file(tmp_path / "out" / "model.safetensors")
    embeddings = next(k for k in before if k.endswith("word_embeddings.weight"))
    assert torch.equal(before[embeddings], after[embeddings])
    query = next(k for k in before if k.endswith("attention.self.query.weight"))
    assert not torch.equal(before[query], after[query])
