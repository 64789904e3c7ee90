"""Bi-encoder training: the loss by hand, Tevatron's passage sampling, learning on a toy task with tiny
random models, bit-identical resume from a checkpoint, and BM25 hard-negative mining."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
import torch

from xqg.encoder_spec import EncoderSpec
from xqg.formats import Passage
from xqg.retriever.hard_negatives import first_sentence, mine_bm25_negatives
from xqg.retriever.bi_encoder import (
    TrainingConfig,
    TrainingExample,
    contrastive_loss,
    epoch_order,
    sample_group,
    step_micro_batches,
    training_examples,
    with_hard_negatives,
)
from xqg.retriever.training import train_bi_encoder

WORDS = [f"w{i}" for i in range(40)]


# ------------------------------------------------------------------------------------------ loss


def test_contrastive_loss_two_by_two_by_hand():
    q = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    p = torch.tensor([[2.0, 0.0], [1.0, 1.0]])  # scores [[2, 1], [0, 1]], targets 0 and 1
    expected = ((math.log(math.exp(2) + math.exp(1)) - 2) + (math.log(1 + math.exp(1)) - 1)) / 2
    assert contrastive_loss(q, p, group_size=1).item() == pytest.approx(expected, abs=1e-6)
    # temperature 0.5 doubles the scores: [[4, 2], [0, 2]]
    expected_t = ((math.log(math.exp(4) + math.exp(2)) - 4) + (math.log(1 + math.exp(2)) - 2)) / 2
    assert contrastive_loss(q, p, group_size=1, temperature=0.5).item() == pytest.approx(expected_t, abs=1e-6)


def test_contrastive_loss_targets_first_passage_of_each_group():
    q = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    # group size 2: rows 0-1 belong to query 0 (positive row 0), rows 2-3 to query 1 (positive row 2)
    p = torch.tensor([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    # query 0 scores [1, 0, 0, 1], query 1 scores [0, 0, 1, 1]: both log(2e + 2) - 1
    expected = math.log(2 * math.e + 2) - 1
    assert contrastive_loss(q, p, group_size=2).item() == pytest.approx(expected, abs=1e-6)
    with pytest.raises(ValueError, match="passage vectors"):
        contrastive_loss(q, p[:3], group_size=2)


# ------------------------------------------------------------------------------------ sampling


def _example(n_pos: int, n_neg: int) -> TrainingExample:
    return TrainingExample(
        "q", tuple(("", f"pos{i}") for i in range(n_pos)), tuple(("", f"neg{i}") for i in range(n_neg))
    )


def test_sampling_positive_first_and_rotating_as_tevatron():
    example = _example(3, 10)
    positives = [sample_group(example, 5, epoch, 2, seed=1)[0][1] for epoch in range(3)]
    assert positives == ["pos0", "pos1", "pos2"]  # (seed + index + epoch) % 3 = (6 + epoch) % 3
    fixed = [sample_group(example, 5, epoch, 2, seed=1, positive_passage_no_shuffle=True)[0][1] for epoch in range(3)]
    assert fixed == ["pos0"] * 3


def test_sampling_negatives_move_through_a_fixed_shuffle():
    example = _example(1, 10)
    windows = [[t for _, t in sample_group(example, 0, epoch, 5, seed=3)[1:]] for epoch in range(2)]
    # two epochs of 5 cover all 10 negatives exactly once
    assert sorted(windows[0] + windows[1]) == sorted(f"neg{i}" for i in range(10))
    assert sample_group(example, 0, 0, 5, seed=3) == sample_group(example, 0, 0, 5, seed=3)
    assert sample_group(example, 0, 0, 5, seed=3) != sample_group(example, 0, 0, 5, seed=4)


def test_sampling_with_too_few_negatives_draws_with_replacement():
    group = sample_group(_example(1, 2), 0, 0, 7, seed=0)
    assert len(group) == 8 and {t for _, t in group[1:]} <= {"neg0", "neg1"}
    with pytest.raises(ValueError, match="no hard negatives"):
        sample_group(_example(1, 0), 0, 0, 1, seed=0)
    assert len(sample_group(_example(1, 0), 0, 0, 0, seed=0)) == 1


def test_epoch_order_and_micro_batches():
    order = epoch_order(10, seed=0, epoch=0)
    assert sorted(order) == list(range(10)) and order != epoch_order(10, seed=0, epoch=1)
    config = TrainingConfig(batch_size=3, gradient_accumulation_steps=2)
    assert step_micro_batches(list(range(10)), 0, config) == [[0, 1, 2], [3, 4, 5]]
    assert step_micro_batches(list(range(10)), 1, config) == [[6, 7, 8], [9]]


def test_training_examples_joins_ids():
    passages = {"p1": ("T1", "one"), "p2": ("T2", "two")}
    examples = training_examples([("a", "qa"), ("b", "qb")], passages, {"a": ["p1"], "b": ["nope"]}, {"a": ["p2"]})
    assert examples == [TrainingExample("qa", (("T1", "one"),), (("T2", "two"),))]


def test_examples_without_hard_negatives_are_left_out_only_when_negatives_are_sampled():
    examples = [_example(1, 2), _example(1, 0), _example(2, 1)]
    kept, dropped = with_hard_negatives(examples, negatives_per_query=1)
    assert (kept, dropped) == ([examples[0], examples[2]], 1)
    assert with_hard_negatives(examples, negatives_per_query=0) == (examples, 0)


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="batch_size"):
        TrainingConfig(batch_size=0)
    with pytest.raises(ValueError, match="precision"):
        TrainingConfig(precision="fp8")


# ------------------------------------------------------------------------- tiny models, toy task


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


# ------------------------------------------------------------------------------ BM25 mining


PASSAGES = [
    Passage("p1", "Helsinki", "Helsinki is the capital of Finland. It lies on the Gulf of Finland."),
    Passage("p2", "Espoo", "Espoo is a city in Finland next to Helsinki, the capital."),
    Passage("p3", "Tampere", "Tampere is a city in Finland. Helsinki is far away."),
    Passage("p4", "Oslo", "Oslo is the capital of Norway."),
    Passage("p5", "Cooking", "Bread needs flour, water and yeast."),
]


def test_mining_excludes_positives_and_zero_score_passages():
    negatives = mine_bm25_negatives(
        [("q1", "capital of Finland Helsinki"), ("q2", "東京")], PASSAGES, {"q1": {"p1"}, "q2": {"p4"}}, depth=5,
        progress=False,
    )
    assert negatives["q1"][0] == "p2" and set(negatives["q1"]) == {"p2", "p3", "p4"}
    assert "p1" not in negatives["q1"] and "p5" not in negatives["q1"]  # positive; no shared term
    assert negatives["q2"] == []  # no term in common with the collection


def test_mining_excludes_answer_bearing_passages_and_caps_n():
    negatives = mine_bm25_negatives(
        [("q1", "capital of Finland Helsinki")], PASSAGES, {"q1": {"p1"}}, depth=5, n=1,
        answers={"q1": ["espoo", "yes"]}, progress=False,
    )
    assert negatives == {"q1": ["p3"]}  # p2 contains "Espoo" (case-insensitive), "yes" is ignored


def test_mining_from_the_positive_passage():
    # The native question shares no term with the English collection; the gold passage's title and
    # first sentence does.
    negatives = mine_bm25_negatives(
        [("q1", "ヘルシンキはどこの首都ですか")], PASSAGES, {"q1": {"p1"}}, depth=5, mode="positive_passage",
        progress=False,
    )
    assert negatives["q1"] and "p1" not in negatives["q1"] and negatives["q1"][0] in {"p2", "p4"}
    assert first_sentence("Dr. No is a film. It was made in 1962.") == "Dr. No is a film."
    with pytest.raises(ValueError, match="mode"):
        mine_bm25_negatives([("q1", "x")], PASSAGES, {}, mode="translation", progress=False)


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
