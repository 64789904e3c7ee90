"""Bi-encoder fine-tuning: the training loop, its checkpoints and its outputs.

What is trained and on what (Tevatron's loss, passage sampling, batch order, hyper-parameters) is in
:mod:`xqg.retriever.bi_encoder`; device and autocast come from :mod:`xqg.torch_runtime`.

A checkpoint (``out_dir/checkpoint``: model, optimiser, scheduler, gradient scaler, RNG state and
``state.json``) is written every ``checkpoint_every`` optimiser steps; a rerun resumes from it, and
since every batch is a function of the step alone the resumed run is identical to an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from xqg.encoder_spec import EncoderSpec, embed, load_encoder
from xqg.files import atomic_open
from xqg.retriever.bi_encoder import (TrainingConfig, TrainingExample, contrastive_loss, epoch_order, sample_group,
                                      step_micro_batches, steps_per_epoch)
from xqg.torch_runtime import (autocast, capture_rng_state, load_state, old_folder, replace_folder, resolve_device,
                               restore_rng_state, save_state)

logger = logging.getLogger(__name__)

CHECKPOINT_DIR = "checkpoint"
# Changing these between a checkpoint and a resume does not change the trajectory of training.
_RESUMABLE_CHANGES = frozenset({"checkpoint_every", "keep_checkpoint"})


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


def _save_checkpoint(out_dir: Path, *, model, tokenizer, optimizer, scheduler, scaler, device, state: dict) -> None:
    """Write out_dir/checkpoint atomically: a temporary sibling (``.checkpoint.part``), then renames."""

    def build(tmp: Path) -> None:
        model.save_pretrained(tmp / "model", safe_serialization=True)
        tokenizer.save_pretrained(tmp / "model")
        save_state(optimizer.state_dict(), tmp / "optimizer.pt")
        save_state(scheduler.state_dict(), tmp / "scheduler.pt")
        if scaler is not None:
            save_state(scaler.state_dict(), tmp / "scaler.pt")
        save_state(capture_rng_state(device), tmp / "rng.pt")
        (tmp / "state.json").write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")

    replace_folder(out_dir / CHECKPOINT_DIR, build, tmp_suffix=".part")


def _find_checkpoint(out_dir: Path) -> Path | None:
    final = out_dir / CHECKPOINT_DIR
    old = old_folder(final)
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
    torch_device = resolve_device(device)
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
        optimizer.load_state_dict(load_state(checkpoint / "optimizer.pt", map_location=torch_device))
        scheduler.load_state_dict(load_state(checkpoint / "scheduler.pt"))
        if scaler is not None:
            scaler.load_state_dict(load_state(checkpoint / "scaler.pt"))
        restore_rng_state(torch_device, load_state(checkpoint / "rng.pt"))
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
            with autocast(torch_device, config.precision):
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
