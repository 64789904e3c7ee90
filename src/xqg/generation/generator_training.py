"""Fine-tuning a query generator on (English passage -> question in language L) pairs.

The paper's recipe (ielab/xQG4xDR, via DSI-QG's Seq2SeqTrainer): google/mt5-base, text prompt, input
truncated to 128 tokens, lr 1e-4 with no warmup and linear decay (the Trainer's default schedule), AdamW
without weight decay, effective batch 128, 2000 steps, best checkpoint by dev loss, seed 313.

The offline default (no seq2seq model can be downloaded) is a bert2bert ``EncoderDecoderModel``
warm-started from the converted multilingual-e5-small folder (built by
:mod:`xqg.generation.seq2seq_model`), made cheap without touching the mT5 recipe: the vocabulary is
trimmed to the pieces of the corpus and the training questions, the decoder is shallow (N layers copied
from the encoder, cross-attention freshly initialised) and, with ``prompt_style="language_token"``, one
encoder pass per passage is shared by all target languages of a batch (see :mod:`xqg.generation.generator`).

Outputs in ``out_dir``: ``model/`` (the best checkpoint by dev loss, a generator folder),
``checkpoint/`` (the latest state, for resuming; removed at the end), ``training_log.jsonl`` and
``summary.json``, written last: its presence marks a finished run.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Literal, NamedTuple

import torch
from tqdm.auto import tqdm

from xqg.files import atomic_open
from xqg.languages import check_language
from xqg.generation.generator import LoadedGenerator, PromptStyle, encoder_text, load_generator, save_generator
from xqg.generation.seq2seq_model import prepare_generator
from xqg.torch_runtime import (CPU, autocast, capture_rng_state, load_state, old_folder, replace_folder, resolve_device,
                               restore_rng_state, save_state)


class GeneratorPair(NamedTuple):
    """One training example: an English passage and a question about it in ``lang``."""

    passage_title: str
    passage_text: str
    lang: str
    question: str


@dataclass(frozen=True)
class GeneratorTrainingConfig:
    architecture: Literal["seq2seq", "bert2bert"] = "seq2seq"
    prompt_style: PromptStyle = "text"
    learning_rate: float = 1e-4
    batch_size: int = 8  # pairs per forward pass
    gradient_accumulation_steps: int = 16  # effective batch 8 x 16 = 128, as in the paper
    max_steps: int = 2000
    warmup_steps: int = 0
    max_input_length: int = 128
    max_target_length: int = 64
    eval_every: int = 100
    seed: int = 313
    decoder_layers: int = 4  # bert2bert only
    trim_vocabulary: bool = False
    precision: Literal["fp32", "bf16"] = "fp32"
    weight_decay: float = 0.0
    log_every: int = 10

    def __post_init__(self) -> None:
        if self.architecture not in ("seq2seq", "bert2bert"):
            raise ValueError(f"unknown architecture {self.architecture!r}")
        if self.prompt_style not in ("text", "language_token"):
            raise ValueError(f"unknown prompt_style {self.prompt_style!r}")
        if self.precision not in ("fp32", "bf16"):
            raise ValueError(f"unknown precision {self.precision!r}")
        for name in ("batch_size", "gradient_accumulation_steps", "max_steps", "eval_every", "max_input_length", "max_target_length"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive")


# --- batching ------------------------------------------------------------------------------------

@dataclass
class EncodedBatch:
    """A micro-batch: unique encoder inputs, and per pair the encoder row, decoder input and labels."""

    input_ids: torch.Tensor  # (unique encoder inputs, seq) in model rows
    attention_mask: torch.Tensor
    encoder_row: torch.Tensor  # (pairs,) index into input_ids
    decoder_input_ids: torch.Tensor  # (pairs, tgt) in model rows
    labels: torch.Tensor  # (pairs, tgt), -100 where ignored


def encode_pairs(generator: LoadedGenerator, pairs: Sequence[GeneratorPair], max_input_length: int,
                 max_target_length: int) -> EncodedBatch:
    """Tokenise a micro-batch. Pairs with the same encoder text share one encoder row (language_token style)."""
    style = generator.metadata.prompt_style
    tokenizer, vocabulary = generator.tokenizer, generator.vocabulary
    texts: dict[str, int] = {}
    encoder_row = [texts.setdefault(encoder_text(p.passage_title, p.passage_text, p.lang, style), len(texts)) for p in pairs]
    encoded = tokenizer(list(texts), truncation=True, max_length=max_input_length, padding=True, return_tensors="pt")
    eos_row = generator.eos_row
    questions = tokenizer([p.question for p in pairs], add_special_tokens=False, truncation=True,
                          max_length=max_target_length - 1)["input_ids"]
    decoder_inputs, labels = [], []
    for pair, question in zip(pairs, questions):
        prefix = generator.decoder_prefix(pair.lang)
        target = vocabulary.to_model(torch.tensor(question, dtype=torch.long)).tolist()
        decoder_inputs.append(prefix + target)
        labels.append([-100] * (len(prefix) - 1) + target + [eos_row])
    width = max(len(x) for x in decoder_inputs)
    pad = generator.pad_row
    return EncodedBatch(
        input_ids=vocabulary.to_model(encoded["input_ids"]),
        attention_mask=encoded["attention_mask"],
        encoder_row=torch.tensor(encoder_row),
        decoder_input_ids=torch.tensor([x + [pad] * (width - len(x)) for x in decoder_inputs]),
        labels=torch.tensor([x + [-100] * (width - len(x)) for x in labels]),
    )


def batch_loss(model: torch.nn.Module, batch: EncodedBatch, device: torch.device) -> tuple[torch.Tensor, int]:
    """Mean token cross-entropy of a micro-batch (and its number of target tokens); one encoder pass per
    unique encoder input, its states gathered for every pair that shares it."""
    input_ids, attention_mask = batch.input_ids.to(device), batch.attention_mask.to(device)
    encoder_states = model.get_encoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    rows = batch.encoder_row.to(device)
    output = model(encoder_outputs=(encoder_states[rows],), attention_mask=attention_mask[rows],
                   decoder_input_ids=batch.decoder_input_ids.to(device))
    labels = batch.labels.to(device)
    logits = output.logits.float()
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
    return loss, int((labels != -100).sum())


def _batch_units(pairs: Sequence[GeneratorPair], prompt_style: PromptStyle) -> list[list[int]]:
    """Indices of pairs that should travel together: all languages of a passage (language_token style,
    so that they share an encoder pass), otherwise every pair alone."""
    if prompt_style == "text":
        return [[i] for i in range(len(pairs))]
    groups: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(pairs):
        groups.setdefault((p.passage_title, p.passage_text), []).append(i)
    return list(groups.values())


def micro_batches(pairs: Sequence[GeneratorPair], prompt_style: PromptStyle, batch_size: int, seed: int) -> Iterator[list[int]]:
    """An endless stream of micro-batches: each epoch shuffles the batch units with a seed of its own."""
    units = _batch_units(pairs, prompt_style)
    epoch = 0
    while True:
        order = torch.randperm(len(units), generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch)).tolist()
        flat = [i for u in order for i in units[u]]
        for start in range(0, len(flat), batch_size):
            yield flat[start:start + batch_size]
        epoch += 1


# --- training loop -------------------------------------------------------------------------------

@torch.no_grad()
def dev_loss(generator: LoadedGenerator, dev_pairs: Sequence[GeneratorPair], config: GeneratorTrainingConfig,
             device: torch.device) -> float:
    """Token-weighted mean cross-entropy over the dev pairs."""
    model = generator.model
    was_training = model.training
    model.eval()
    total, tokens = 0.0, 0
    for start in range(0, len(dev_pairs), config.batch_size):
        batch = encode_pairs(generator, dev_pairs[start:start + config.batch_size], config.max_input_length, config.max_target_length)
        with autocast(device, config.precision):
            loss, n = batch_loss(model, batch, device)
        total += float(loss) * n
        tokens += n
    model.train(was_training)
    return total / max(tokens, 1)


def _linear_schedule(warmup_steps: int, max_steps: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (max_steps - step) / max(1, max_steps - warmup_steps))
    return factor


def _save_checkpoint(folder: Path, generator: LoadedGenerator, optimizer, scheduler, state: dict) -> None:
    save_generator(generator, folder)
    # The checkpoint keeps torch's CPU generator only ("torch_rng"), as it always has: old checkpoints resume.
    save_state({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "torch_rng": capture_rng_state(CPU)["cpu"]}, folder / "trainer_state.pt")
    (folder / "trainer_state.json").write_text(json.dumps(state), encoding="utf-8")


def _find_checkpoint(out_dir: Path) -> Path | None:
    checkpoint = out_dir / "checkpoint"
    for folder in (checkpoint, old_folder(checkpoint)):  # .old survives a crash between the two renames
        if (folder / "trainer_state.json").is_file():
            return folder
    return None


def train_query_generator(
    pairs: Sequence[GeneratorPair],
    dev_pairs: Sequence[GeneratorPair],
    base_model: str,
    config: GeneratorTrainingConfig,
    out_dir: str | os.PathLike,
    *,
    vocabulary_texts: Iterable[str] = (),
    threads: int | None = None,
    progress: bool = True,
    device: str | None = None,
) -> dict:
    """Fine-tune ``base_model`` (hub id or folder; a BERT encoder folder for ``architecture="bert2bert"``)
    on ``pairs``; keep the checkpoint with the lowest dev loss in ``out_dir/model``; return a summary.

    ``vocabulary_texts`` (e.g. the passages to generate for) are kept in a trimmed vocabulary along with
    the training and dev prompts and questions. Rerunning with the same arguments resumes from
    ``out_dir/checkpoint`` (same data order and dropout RNG from there on).
    """
    if not pairs or not dev_pairs:
        raise ValueError("train_query_generator needs at least one training pair and one dev pair")
    for p in list(pairs) + list(dev_pairs):
        check_language(p.lang)
    if threads:
        torch.set_num_threads(threads)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    run_device = resolve_device(device)
    random.seed(config.seed)
    torch.manual_seed(config.seed)

    checkpoint = _find_checkpoint(out)
    state = {"step": 0, "best_dev_loss": math.inf, "best_step": None, "initial_dev_loss": None, "seconds": 0.0}
    if checkpoint is not None:
        generator = load_generator(str(checkpoint))
        if (generator.metadata.prompt_style, generator.metadata.architecture) != (config.prompt_style, config.architecture):
            raise ValueError(f"{checkpoint} was trained with another prompt_style/architecture; remove it to start afresh")
        state = json.loads((checkpoint / "trainer_state.json").read_text(encoding="utf-8"))
    else:
        texts = [encoder_text(p.passage_title, p.passage_text, p.lang, config.prompt_style) for p in list(pairs) + list(dev_pairs)]
        texts += [p.question for p in list(pairs) + list(dev_pairs)]
        generator = prepare_generator(base_model, config, list(texts) + list(vocabulary_texts))
    model = generator.model.to(run_device)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _linear_schedule(config.warmup_steps, config.max_steps))
    log_path = out / "training_log.jsonl"
    if checkpoint is not None:
        saved = load_state(checkpoint / "trainer_state.pt")
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        restore_rng_state(CPU, {"cpu": saved["torch_rng"]})
        _truncate_log(log_path, state["step"])
    elif log_path.exists():
        log_path.unlink()

    def log(record: dict) -> None:
        with open(log_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    def evaluate(step: int) -> None:
        loss = dev_loss(generator, dev_pairs, config, run_device)
        log({"step": step, "dev_loss": loss})
        if state["initial_dev_loss"] is None:
            state["initial_dev_loss"] = loss
        if loss < state["best_dev_loss"]:
            state.update(best_dev_loss=loss, best_step=step)
            replace_folder(out / "model", lambda folder: save_generator(generator, folder))

    if state["step"] == 0:
        evaluate(0)
    stream = micro_batches(pairs, config.prompt_style, config.batch_size, config.seed)
    for _ in range(state["step"] * config.gradient_accumulation_steps):  # skip what a resumed run has seen
        next(stream)
    bar = tqdm(total=config.max_steps, initial=state["step"], desc="train generator", disable=not progress)
    started, recent = time.perf_counter() - state["seconds"], []
    while state["step"] < config.max_steps:
        optimizer.zero_grad(set_to_none=True)
        step_loss = 0.0
        for _ in range(config.gradient_accumulation_steps):
            batch = encode_pairs(generator, [pairs[i] for i in next(stream)], config.max_input_length, config.max_target_length)
            with autocast(run_device, config.precision):
                loss, _ = batch_loss(model, batch, run_device)
            (loss / config.gradient_accumulation_steps).backward()
            step_loss += float(loss.detach()) / config.gradient_accumulation_steps
        optimizer.step()
        scheduler.step()
        state["step"] += 1
        state["seconds"] = time.perf_counter() - started
        recent.append(step_loss)
        bar.update(1)
        bar.set_postfix(loss=f"{step_loss:.3f}")
        step = state["step"]
        if step % config.log_every == 0 or step == config.max_steps:
            log({"step": step, "train_loss": sum(recent) / len(recent), "lr": scheduler.get_last_lr()[0], "seconds": state["seconds"]})
            state.setdefault("train_losses", []).append(sum(recent) / len(recent))
            recent = []
        if step % config.eval_every == 0 or step == config.max_steps:
            evaluate(step)
            if step < config.max_steps:
                replace_folder(out / "checkpoint", lambda folder: _save_checkpoint(folder, generator, optimizer, scheduler, state))
    bar.close()
    shutil.rmtree(out / "checkpoint", ignore_errors=True)
    summary = {
        "base_model": base_model,
        "config": asdict(config),
        "n_pairs": len(pairs),
        "n_dev_pairs": len(dev_pairs),
        "steps": state["step"],
        "initial_dev_loss": state["initial_dev_loss"],
        "best_dev_loss": state["best_dev_loss"],
        "best_step": state["best_step"],
        "train_losses": state.get("train_losses", []),
        "seconds": state["seconds"],
        "seconds_per_step": state["seconds"] / max(1, config.max_steps),
        "vocabulary_rows": generator.vocabulary.model_size,
        "parameters": sum(p.numel() for p in {id(p): p for p in model.parameters()}.values()),
    }
    with atomic_open(out / "summary.json") as handle:
        json.dump(summary, handle, indent=1)
    return summary


def _truncate_log(path: Path, step: int) -> None:
    """Drop log records written after the checkpoint a resumed run starts from."""
    if not path.exists():
        return
    kept = [line for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and _complete_json(line) and json.loads(line)["step"] <= step]
    with atomic_open(path) as handle:
        handle.writelines(line + "\n" for line in kept)


def _complete_json(line: str) -> bool:
    try:
        json.loads(line)
        return True
    except json.JSONDecodeError:
        return False
