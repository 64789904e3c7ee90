"""xqg.retriever.bi_encoder: the contrastive loss by hand, Tevatron's passage sampling, epoch order and
micro-batches, training examples and the training configuration."""

from __future__ import annotations

import math

import pytest
import torch

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
