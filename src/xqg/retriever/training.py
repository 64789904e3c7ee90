"""Bi-encoder (DPR) fine-tuning as Tevatron 6cd9f00 does it for the paper's xDR.

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
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import math
import os
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F

from xqg.encoder_spec import EncoderSpec, embed, load_encoder
from xqg.files import atomic_open

logger = logging.getLogger(__name__)

Precision = Literal["fp32", "bf16", "fp16"]
TitledText = tuple[str, str]  # (title, text) of a passage; EncoderSpec.passage_text formats it

CHECKPOINT_DIR = "checkpoint"
# Changing these between a checkpoint and a resume does not change the trajectory of training.
_RESUMABLE_CHANGES = frozenset({"checkpoint_every", "keep_checkpoint"})


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
    precision: Precision = "fp32"
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


@dataclass(frozen=True)
class TrainingSummary:
    steps: int  # optimiser steps completed, in all invocations
    epochs: float  # optimiser steps / steps per epoch
    examples: int
    resumed_from_step: int
    initial_loss: float  # mean loss over the first logged steps (up to 10)
    final_loss: float  # mean loss over the last logged steps (up to 10)
    seconds: float  # wall-clock time of this invocation
    steps_per_second: float  # of this invocation
    out_dir: str
    log: list[dict] = field(default_factory=list, repr=False)


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


# ------------------------------------------------------------------------------------- training


def _resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _autocast(device: torch.device, precision: Precision):
    if precision == "fp32":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def _fingerprint(examples: Sequence[TrainingExample]) -> str:
    """A hash of the training data, so that a checkpoint is never resumed on different data."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(json.dumps([example.query, example.positives, example.negatives], ensure_ascii=False).encode())
    return digest.hexdigest()


def _tokenize(tokenizer, texts: list[str], max_length: int, device: torch.device) -> dict[str, torch.Tensor]:
    # Padding to the longest in the batch, as Tevatron's collator does.
    batch = tokenizer(texts, max_length=max_length, truncation=True, padding=True, return_tensors="pt")
    return {"input_ids": batch["input_ids"].to(device), "attention_mask": batch["attention_mask"].to(device)}


def _rng_state(device: torch.device) -> dict:
    state = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict, device: torch.device) -> None:
    torch.set_rng_state(state["cpu"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state_all(state["cuda"])


def _save_checkpoint(out_dir: Path, *, model, tokenizer, optimizer, scheduler, scaler, device, state: dict) -> None:
    """Write out_dir/checkpoint atomically: a temporary sibling, then renames."""
    final = out_dir / CHECKPOINT_DIR
    tmp = out_dir / f".{CHECKPOINT_DIR}.part"
    old = out_dir / f".{CHECKPOINT_DIR}.old"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp / "model", safe_serialization=True)
    tokenizer.save_pretrained(tmp / "model")
    torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
    torch.save(scheduler.state_dict(), tmp / "scheduler.pt")
    if scaler is not None:
        torch.save(scaler.state_dict(), tmp / "scaler.pt")
    torch.save(_rng_state(device), tmp / "rng.pt")
    (tmp / "state.json").write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def _find_checkpoint(out_dir: Path) -> Path | None:
    final, old = out_dir / CHECKPOINT_DIR, out_dir / f".{CHECKPOINT_DIR}.old"
    if not final.exists() and old.exists():  # killed between the two renames of _save_checkpoint
        os.replace(old, final)
    return final if (final / "state.json").exists() else None


def _check_resumable(saved: dict, config: TrainingConfig, spec: EncoderSpec, fingerprint: str, where: Path) -> None:
    current = dataclasses.asdict(config)
    changed = sorted(k for k in current if k not in _RESUMABLE_CHANGES and saved["config"].get(k) != current[k])
    if changed:
        details = ", ".join(f"{k}: {saved['config'].get(k)!r} -> {current[k]!r}" for k in changed)
        raise ValueError(f"{where}: cannot resume, the training configuration changed ({details}); delete the checkpoint to restart")
    if saved["spec"] != dataclasses.asdict(spec):
        raise ValueError(f"{where}: cannot resume, the encoder spec changed; delete the checkpoint to restart")
    if saved["data_fingerprint"] != fingerprint:
        raise ValueError(f"{where}: cannot resume, the training examples changed; delete the checkpoint to restart")


def train_bi_encoder(
    examples: Sequence[TrainingExample],
    spec: EncoderSpec,
    config: TrainingConfig,
    out_dir: Path,
    *,
    device: str = "auto",
    threads: int | None = None,
    progress: bool = True,
    on_step: Callable[[int, float], None] | None = None,
) -> TrainingSummary:
    """Fine-tune ``spec.model`` on ``examples``; write the model, tokenizer, log and summary to ``out_dir``.

    Resumes from ``out_dir/checkpoint`` when one exists (it must come from the same config, spec and
    data). ``on_step(step, loss)`` is called after every optimiser step (and after its checkpoint).
    Output: the model (safetensors) and tokenizer files, ``training_log.jsonl`` (step, epoch, loss,
    lr per optimiser step) and, written last, ``summary.json``.
    """
    if not examples:
        raise ValueError("no training examples")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch_device = _resolve_device(device)
    if config.precision == "fp16" and torch_device.type != "cuda":
        raise ValueError("precision 'fp16' needs a CUDA device (gradient scaling); use 'bf16' or 'fp32' on CPU")
    previous_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        return _train(examples, spec, config, out_dir, torch_device, progress, on_step)
    finally:
        torch.set_num_threads(previous_threads)


def _train(
    examples: Sequence[TrainingExample],
    spec: EncoderSpec,
    config: TrainingConfig,
    out_dir: Path,
    torch_device: torch.device,
    progress: bool,
    on_step: Callable[[int, float], None] | None,
) -> TrainingSummary:
    torch.manual_seed(config.seed)

    fingerprint = _fingerprint(examples)
    checkpoint = _find_checkpoint(out_dir)
    saved_state: dict | None = None
    if checkpoint is not None:
        saved_state = json.loads((checkpoint / "state.json").read_text(encoding="utf-8"))
        _check_resumable(saved_state, config, spec, fingerprint, checkpoint)
        tokenizer, model = load_encoder(str(checkpoint / "model"), local_files_only=True)
    else:
        tokenizer, model = load_encoder(spec.model, local_files_only=Path(spec.model).exists())
    model = model.float().to(torch_device)  # fp32 master weights whatever the stored dtype
    model.train()  # dropout on, as in Tevatron

    per_epoch = steps_per_epoch(len(examples), config)
    total_steps = per_epoch * config.epochs
    if config.max_steps is not None:
        total_steps = min(total_steps, config.max_steps)

    from transformers import get_linear_schedule_with_warmup

    if config.freeze_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        (no_decay if parameter.ndim < 2 or "LayerNorm" in name or "layer_norm" in name else decay).append(parameter)
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.learning_rate,
        eps=config.adam_epsilon,
    )
    scheduler = get_linear_schedule_with_warmup(optimizer, math.ceil(config.warmup_ratio * total_steps), total_steps)
    scaler = torch.amp.GradScaler("cuda") if config.precision == "fp16" else None

    start_step, log = 0, []
    if saved_state is not None:
        optimizer.load_state_dict(torch.load(checkpoint / "optimizer.pt", map_location=torch_device, weights_only=True))
        scheduler.load_state_dict(torch.load(checkpoint / "scheduler.pt", weights_only=True))
        if scaler is not None:
            scaler.load_state_dict(torch.load(checkpoint / "scaler.pt", weights_only=True))
        _set_rng_state(torch.load(checkpoint / "rng.pt", weights_only=True), torch_device)
        start_step, log = saved_state["step"], saved_state["log"]
        logger.info("resuming from %s at step %d of %d", checkpoint, start_step, total_steps)

    def state(step: int) -> dict:
        return {
            "step": step,
            "config": dataclasses.asdict(config),
            "spec": dataclasses.asdict(spec),
            "data_fingerprint": fingerprint,
            "log": log,
        }

    from tqdm.auto import tqdm

    bar = tqdm(total=total_steps, initial=start_step, desc="training", unit="step", disable=not progress)
    started = time.perf_counter()
    order, order_epoch = None, -1
    for step in range(start_step, total_steps):
        epoch, step_in_epoch = divmod(step, per_epoch)
        if epoch != order_epoch:
            order, order_epoch = epoch_order(len(examples), config.seed, epoch), epoch
        micro_batches = step_micro_batches(order, step_in_epoch, config)
        optimizer.zero_grad(set_to_none=True)
        step_loss = 0.0
        for indices in micro_batches:
            queries = [spec.query_text(examples[i].query) for i in indices]
            passages = [
                spec.passage_text(title, text)
                for i in indices
                for title, text in sample_group(
                    examples[i], i, epoch, config.negatives_per_query, config.seed, config.positive_passage_no_shuffle
                )
            ]
            query_batch = _tokenize(tokenizer, queries, spec.max_query_length, torch_device)
            passage_batch = _tokenize(tokenizer, passages, spec.max_passage_length, torch_device)
            with _autocast(torch_device, config.precision):
                query_vectors = embed(model, query_batch, spec)
                passage_vectors = embed(model, passage_batch, spec)
            loss = contrastive_loss(query_vectors, passage_vectors, config.group_size, config.temperature)
            scaled = loss / len(micro_batches)  # the step's loss is the mean over its micro-batches
            (scaler.scale(scaled) if scaler is not None else scaled).backward()
            step_loss += scaled.item()
        if scaler is not None:
            scaler.unscale_(optimizer)
        if config.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        learning_rate = scheduler.get_last_lr()[0]
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        scheduler.step()
        done = step + 1
        log.append({"step": done, "epoch": round(done / per_epoch, 4), "loss": step_loss, "lr": learning_rate})
        bar.update(1)
        bar.set_postfix(loss=f"{sum(r['loss'] for r in log[-10:]) / len(log[-10:]):.4f}")
        if done % config.checkpoint_every == 0 and done < total_steps:
            _save_checkpoint(
                out_dir, model=model, tokenizer=tokenizer, optimizer=optimizer,
                scheduler=scheduler, scaler=scaler, device=torch_device, state=state(done),
            )
            logger.info("checkpoint at step %d", done)
        if on_step is not None:
            on_step(done, step_loss)
    bar.close()
    seconds = time.perf_counter() - started

    _save_final(out_dir, model, tokenizer)
    with atomic_open(out_dir / "training_log.jsonl") as handle:
        for record in log:
            handle.write(json.dumps(record) + "\n")
    ran = total_steps - start_step
    losses = [r["loss"] for r in log]
    summary = TrainingSummary(
        steps=total_steps,
        epochs=round(total_steps / per_epoch, 4),
        examples=len(examples),
        resumed_from_step=start_step,
        initial_loss=sum(losses[:10]) / len(losses[:10]),
        final_loss=sum(losses[-10:]) / len(losses[-10:]),
        seconds=round(seconds, 3),
        steps_per_second=round(ran / seconds, 4) if seconds > 0 else float("nan"),
        out_dir=str(out_dir),
        log=log,
    )
    record = {k: v for k, v in dataclasses.asdict(summary).items() if k != "log"}
    record.update(config=dataclasses.asdict(config), spec=dataclasses.asdict(spec), device=str(torch_device),
                  threads=torch.get_num_threads())
    with atomic_open(out_dir / "summary.json") as handle:  # written last: its presence means done
        json.dump(record, handle, indent=2, ensure_ascii=False)
    if not config.keep_checkpoint:
        shutil.rmtree(out_dir / CHECKPOINT_DIR, ignore_errors=True)
    return summary


def _save_final(out_dir: Path, model, tokenizer) -> None:
    """Save model and tokenizer into a temporary folder, then move each file into ``out_dir``."""
    tmp = out_dir / ".model.part"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    for path in tmp.iterdir():
        os.replace(path, out_dir / path.name)
    tmp.rmdir()
