"""The bi-encoder (DPR) objective as Tevatron 6cd9f00 trains it for the paper's xDR: the training
examples, the hyper-parameters, the loss, and which passages and queries each step sees.

One tied encoder embeds queries and passages (pooling and normalisation from the
:class:`~xqg.encoder_spec.EncoderSpec`); the score is a dot product. Each query brings a group of
G = 1 + n passages (its positive, then n hard negatives); a batch of B queries is scored against all
B * G passages of the batch, and the loss is cross-entropy with the query's own positive (column
i * G) as the target: the other queries' passages are in-batch negatives.

Passage sampling follows Tevatron's ``TrainDataset``: the positive rotates through a query's
positives from epoch to epoch (``positive_passage_no_shuffle`` keeps the first); the negatives are a
window of n over a fixed per-query shuffle of its hard negatives that moves by n every epoch, or n
draws with replacement when the query has fewer than n. Every draw is seeded by (seed, query index,
epoch), so the batches of a step do not depend on how training got there, which is what makes a
resumed run identical to an uninterrupted one.

Semantics of the batch: ``batch_size`` queries share one forward pass (they are each other's
in-batch negatives); an optimiser step accumulates ``gradient_accumulation_steps`` such micro-batches,
as Hugging Face's Trainer (which Tevatron uses) does. The paper's batch of 128 therefore has 128
queries' in-batch negatives only when ``batch_size`` is 128.

The training loop and its checkpoints are in :mod:`xqg.retriever.training`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from xqg.torch_runtime import ResolvedPrecision

TitledText = tuple[str, str]  # (title, text) of a passage; EncoderSpec.passage_text formats it


@dataclass(frozen=True)
class TrainingExample:
    """One training query with its positive and hard-negative passages, each a (title, text) pair."""

    query: str
    positives: tuple[TitledText, ...]
    negatives: tuple[TitledText, ...] = ()


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters; the defaults are the paper's mBERT command (Tevatron), except precision."""

    learning_rate: float = 1e-5
    batch_size: int = 128  # queries per forward pass (the in-batch negative pool)
    negatives_per_query: int = 7  # Tevatron's train_n_passages - 1
    epochs: int = 40
    max_steps: int | None = None  # a cap on optimiser steps (the schedule is built for the capped length)
    warmup_ratio: float = 0.1
    gradient_accumulation_steps: int = 1
    # The paper used fp16 on GPU. On CPU keep fp32: bf16 autocast speeds up the forward pass but its
    # backward was ~20x slower than fp32 on e5-small (torch 2.13, AVX-512 BF16 CPU).
    precision: ResolvedPrecision = "fp32"
    seed: int = 42  # Hugging Face TrainingArguments' default seed, which Tevatron inherits
    checkpoint_every: int = 500  # optimiser steps
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0  # Hugging Face Trainer's default clipping
    temperature: float = 1.0  # 1.0 = Tevatron (raw dot products); normalised vectors need ~0.01-0.05
    adam_epsilon: float = 1e-8
    positive_passage_no_shuffle: bool = False  # Tevatron's flag: always use the first positive
    keep_checkpoint: bool = False  # keep out_dir/checkpoint after a completed run
    # Not the paper's setup: a CPU budget knob. The word-embedding matrix (250k x 384 for e5-small) is
    # most of the parameters; freezing it removes its gradients and optimiser updates.
    freeze_embeddings: bool = False

    def __post_init__(self) -> None:
        positive_ints = ("batch_size", "epochs", "gradient_accumulation_steps", "checkpoint_every")
        for name in positive_ints:
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"TrainingConfig.{name} must be a positive integer, got {getattr(self, name)!r}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"TrainingConfig.max_steps must be None or positive, got {self.max_steps!r}")
        if self.negatives_per_query < 0:
            raise ValueError(f"TrainingConfig.negatives_per_query must be >= 0, got {self.negatives_per_query}")
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ValueError(f"TrainingConfig.warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if self.learning_rate <= 0 or self.temperature <= 0:
            raise ValueError("TrainingConfig.learning_rate and temperature must be positive")
        if self.precision not in ("fp32", "bf16", "fp16"):
            raise ValueError(f"TrainingConfig.precision must be 'fp32', 'bf16' or 'fp16', got {self.precision!r}")

    @property
    def group_size(self) -> int:
        return 1 + self.negatives_per_query


# --------------------------------------------------------------------------------------- the loss


def contrastive_loss(
    query_vectors: torch.Tensor, passage_vectors: torch.Tensor, group_size: int, temperature: float = 1.0
) -> torch.Tensor:
    """Cross-entropy over in-batch and hard negatives (DPR / Tevatron).

    ``query_vectors`` is (B, d); ``passage_vectors`` is (B * group_size, d), query i's group occupying
    rows i * group_size .. (i + 1) * group_size - 1 with its positive first. Scores are dot products
    divided by ``temperature``; the target of query i is column i * group_size. Mean over queries.
    """
    batch = query_vectors.shape[0]
    if passage_vectors.shape[0] != batch * group_size:
        raise ValueError(f"expected {batch} x {group_size} passage vectors, got {passage_vectors.shape[0]}")
    scores = query_vectors.float() @ passage_vectors.float().T / temperature
    target = torch.arange(batch, device=scores.device) * group_size
    return F.cross_entropy(scores, target)


# ----------------------------------------------------------------------------- passage sampling


def sample_group(
    example: TrainingExample,
    index: int,
    epoch: int,
    negatives_per_query: int,
    seed: int,
    positive_passage_no_shuffle: bool = False,
) -> list[TitledText]:
    """The passages of one query in one epoch, positive first, as Tevatron's ``TrainDataset``.

    ``index`` is the query's position in the training set; with ``seed`` it seeds all draws (Tevatron
    uses ``hash(item + seed)``, which for an int is ``item + seed``).
    """
    if not example.positives:
        raise ValueError(f"training example {index} ({example.query!r}) has no positive passage")
    hashed_seed = seed + index
    if positive_passage_no_shuffle:
        positive = example.positives[0]
    else:
        positive = example.positives[(hashed_seed + epoch) % len(example.positives)]
    n = negatives_per_query
    negatives = list(example.negatives)
    if n == 0:
        chosen: list[TitledText] = []
    elif not negatives:
        raise ValueError(
            f"training example {index} ({example.query!r}) has no hard negatives but "
            f"negatives_per_query is {n}; mine negatives for it or drop it"
        )
    elif len(negatives) < n:
        # Tevatron draws with replacement here (random.choices); seeded per query and epoch.
        chosen = random.Random(f"{hashed_seed}:{epoch}").choices(negatives, k=n)
    else:
        # A fixed shuffle per query; each epoch takes the next window of n (wrapping around).
        random.Random(hashed_seed).shuffle(negatives)
        offset = epoch * n % len(negatives)
        chosen = (negatives * 2)[offset : offset + n]
    return [positive, *chosen]


def epoch_order(num_examples: int, seed: int, epoch: int) -> list[int]:
    """The query order of one epoch: a permutation seeded by (seed, epoch)."""
    generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
    return torch.randperm(num_examples, generator=generator).tolist()


def steps_per_epoch(num_examples: int, config: TrainingConfig) -> int:
    micro_batches = math.ceil(num_examples / config.batch_size)
    return math.ceil(micro_batches / config.gradient_accumulation_steps)


def step_micro_batches(order: Sequence[int], step_in_epoch: int, config: TrainingConfig) -> list[list[int]]:
    """The example indices of each micro-batch of one optimiser step (the last may be smaller)."""
    span = config.batch_size * config.gradient_accumulation_steps
    chunk = order[step_in_epoch * span : (step_in_epoch + 1) * span]
    return [list(chunk[i : i + config.batch_size]) for i in range(0, len(chunk), config.batch_size)]


def training_examples(
    queries: Sequence[tuple[str, str]],
    passages_by_id: dict[str, tuple[str, str]],
    positives: dict[str, Sequence[str]],
    negatives: dict[str, Sequence[str]],
) -> list[TrainingExample]:
    """Join (qid, text) queries with passage ids into examples; ``passages_by_id`` maps id -> (title, text).

    Queries without a positive in ``passages_by_id`` are skipped (they cannot be trained on).
    """
    examples = []
    for qid, text in queries:
        pos = tuple(passages_by_id[p] for p in positives.get(qid, ()) if p in passages_by_id)
        if not pos:
            continue
        missing = [p for p in negatives.get(qid, ()) if p not in passages_by_id]
        if missing:
            raise KeyError(f"query {qid}: negative passage {missing[0]!r} is not in the collection")
        examples.append(TrainingExample(text, pos, tuple(passages_by_id[p] for p in negatives.get(qid, ()))))
    return examples


def with_hard_negatives(examples: Sequence[TrainingExample], negatives_per_query: int) -> tuple[list[TrainingExample], int]:
    """The examples that can be trained with ``negatives_per_query`` hard negatives, and how many were left out.

    A query whose every BM25 neighbour contains its answer (e.g. a code that all of an entity's passages
    state) has no hard negative; Tevatron's sampler cannot draw from an empty list, so such queries are
    left out (the caller logs the count) rather than trained without the group the loss expects.
    """
    if negatives_per_query == 0:
        return list(examples), 0
    kept = [example for example in examples if example.negatives]
    return kept, len(examples) - len(kept)
