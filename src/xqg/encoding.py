"""One encoder path for passages, queries, generated queries and attacked queries.

Texts are tokenised once, sorted by token length so that each batch is padded only to its own
longest member (dynamic padding), encoded under ``torch.inference_mode``, and returned in input
order. Precision: bf16 autocast on CPUs with native bf16 matmuls (AVX-512 BF16 or AMX), else fp32;
bf16 (or fp16 where bf16 is unsupported) autocast on CUDA. On a CPU without native bf16 (AVX2 only),
bf16 matmuls are emulated and run ~50x slower than fp32, so "auto" never picks it there.

File drivers write vector sets (see :mod:`xqg.vectors`):

- :func:`encode_passage_shard`: shard i of k takes the contiguous range of passage positions
  ``[n*i//k, n*(i+1)//k)``; concatenating the shards' outputs in shard order gives the unsharded output.
- :func:`encode_queries`: questions (XOR-TyDi JSONL or (id, text) pairs).
- :func:`encode_generated_queries`: generated-query JSONL into the (passage, language, sample, dim)
  layout that fusion slices; :func:`encode_generated_queries_by_language` writes one such vector set
  per language from a single encoding pass (the workflow's layout).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import torch
from tqdm.auto import tqdm

from xqg.encoder_spec import EncoderSpec, embed, load_encoder
from xqg.formats import InputFormatError, iter_generated_queries, iter_passages, read_questions
from xqg.languages import LANGUAGES
from xqg.vectors import VectorWriter, generated_query_vector_writer

log = logging.getLogger(__name__)

Kind = Literal["query", "passage"]
Precision = Literal["auto", "fp32", "bf16", "fp16"]
_AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
DEFAULT_CHUNK = 8192  # texts tokenised and length-sorted together by the file drivers


# ----------------------------------------------------------------------------- hardware

def cpu_has_native_bf16(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> bool:
    """True if the CPU multiplies bf16 natively (AVX-512 BF16 or AMX-BF16), read from /proc/cpuinfo."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def resolve_device(device: str = "auto") -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def resolve_precision(precision: Precision, device: torch.device) -> Literal["fp32", "bf16", "fp16"]:
    """Pick the compute precision; "auto" takes the fastest one the hardware runs natively."""
    if precision not in ("auto", "fp32", "bf16", "fp16"):
        raise ValueError(f"unknown precision {precision!r}; expected auto, fp32, bf16 or fp16")
    if device.type == "cuda":
        if precision == "auto":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return precision
    if precision == "auto":
        return "bf16" if cpu_has_native_bf16() else "fp32"
    if precision == "fp16":
        raise ValueError("fp16 on CPU is emulated and slow; use precision 'fp32' or 'bf16'")
    if precision == "bf16" and not cpu_has_native_bf16():
        log.warning("this CPU has no native bf16 (avx512_bf16/amx_bf16): bf16 matmuls will be emulated and slow")
    return precision


def _autocast(device: torch.device, precision: str):
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=_AUTOCAST_DTYPES[precision])


@functools.lru_cache(maxsize=2)
def load_model(model: str, device: str = "cpu"):
    """(tokenizer, model in eval mode on ``device``), loaded once per process and model."""
    tokenizer, encoder = load_encoder(model, local_files_only=Path(model).is_dir())
    return tokenizer, encoder.to(device).eval()


# ----------------------------------------------------------------------------- texts

def _prepare(texts: Sequence[str], spec: EncoderSpec, kind: Kind) -> tuple[list[str], int]:
    """Apply the spec's prefix and pick the maximum length for ``kind``."""
    if kind == "query":
        return [spec.query_text(text) for text in texts], spec.max_query_length
    if kind == "passage":
        return [spec.passage_text("", text) for text in texts], spec.max_passage_length
    raise ValueError(f"unknown kind {kind!r}; expected 'query' or 'passage'")


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Positions grouped into batches of similar length, longest first (so any memory error comes early)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def _pad(token_ids: list[list[int]], pad_id: int, device: torch.device) -> dict[str, torch.Tensor]:
    width = max(len(ids) for ids in token_ids)
    input_ids = torch.full((len(token_ids), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(token_ids), width), dtype=torch.long)
    for row, ids in enumerate(token_ids):
        input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        attention_mask[row, : len(ids)] = 1
    return {"input_ids": input_ids.to(device), "attention_mask": attention_mask.to(device)}


def _encode_prepared(
    texts: Sequence[str], max_length: int, spec: EncoderSpec, *, batch_size: int, device: torch.device, precision: str, bar
) -> np.ndarray:
    """Encode texts that already carry their prefix; float32 (len(texts), dim) in input order.

    Each distinct text is encoded once: generated queries repeat (templates, a generator's favourite
    questions) and so do attacked queries (a sample the attack could not change is the clean query).
    """
    tokenizer, model = load_model(spec.model, str(device))
    dim = model.config.hidden_size
    if not texts:
        return np.empty((0, dim), dtype=np.float32)
    row_of: dict[str, int] = {}
    rows = np.array([row_of.setdefault(text, len(row_of)) for text in texts])
    unique = list(row_of)
    counts = np.bincount(rows, minlength=len(unique))
    encoded = np.empty((len(unique), dim), dtype=np.float32)
    token_ids = tokenizer(unique, truncation=True, max_length=max_length, add_special_tokens=True)["input_ids"]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    with torch.inference_mode(), _autocast(device, precision):
        for batch in length_sorted_batches([len(ids) for ids in token_ids], batch_size):
            vectors = embed(model, _pad([token_ids[i] for i in batch], pad_id, device), spec)
            encoded[batch] = vectors.float().cpu().numpy()
            bar.update(int(counts[batch].sum()))
    return encoded[rows]


def _setup(device: str, precision: Precision, threads: int | None) -> tuple[torch.device, str]:
    if threads is not None:
        torch.set_num_threads(threads)
    resolved = resolve_device(device)
    return resolved, resolve_precision(precision, resolved)


def encode_texts(
    texts: Sequence[str],
    spec: EncoderSpec,
    *,
    kind: Kind,
    batch_size: int = 64,
    precision: Precision = "auto",
    device: str = "auto",
    threads: int | None = None,
    progress: bool = True,
) -> np.ndarray:
    """Encode texts as queries or passages: float32 (len(texts), dim), rows in input order.

    The spec decides prefix, truncation length, pooling and normalisation.
    """
    texts = list(texts)
    prepared, max_length = _prepare(texts, spec, kind)
    torch_device, resolved = _setup(device, precision, threads)
    with tqdm(total=len(texts), desc=f"encode {kind}s ({resolved})", unit=kind, disable=not progress) as bar:
        return _encode_prepared(prepared, max_length, spec, batch_size=batch_size, device=torch_device, precision=resolved, bar=bar)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ----------------------------------------------------------------------------- files

def shard_range(num_items: int, shard_index: int, num_shards: int) -> range:
    """Contiguous, balanced positions of shard ``shard_index`` of ``num_shards`` (sizes differ by <= 1)."""
    if num_shards < 1 or not 0 <= shard_index < num_shards:
        raise ValueError(f"shard {shard_index} of {num_shards} does not exist")
    return range(num_items * shard_index // num_shards, num_items * (shard_index + 1) // num_shards)


def count_passages(passages_tsv: str | os.PathLike) -> int:
    return sum(1 for _ in tqdm(iter_passages(passages_tsv), desc="count passages", unit="passage", mininterval=5))


def encode_passage_shard(
    passages_tsv: str | os.PathLike,
    out_npy: str | os.PathLike,
    spec: EncoderSpec,
    shard_index: int = 0,
    num_shards: int = 1,
    *,
    num_passages: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    batch_size: int = 64,
    precision: Precision = "auto",
    device: str = "auto",
    threads: int | None = None,
    progress: bool = True,
) -> int:
    """Encode one contiguous shard of a passage TSV into a vector set; returns the number of passages.

    Passage text is ``spec.passage_text(title, text)``. ``num_passages`` (the collection size) saves a
    counting pass over the file; memory stays bounded by ``chunk_size`` whatever the collection size.
    """
    total = count_passages(passages_tsv) if num_passages is None else num_passages
    positions = shard_range(total, shard_index, num_shards)
    torch_device, resolved = _setup(device, precision, threads)
    _, model = load_model(spec.model, str(torch_device))
    taken = 0
    shard = (p for position, p in enumerate(iter_passages(passages_tsv)) if position in positions)
    with VectorWriter(out_npy, len(positions), model.config.hidden_size) as writer, tqdm(
        total=len(positions), desc=f"encode passages, shard {shard_index + 1}/{num_shards} ({resolved})", unit="passage", disable=not progress
    ) as bar:
        for chunk in _chunks(_stop_after(shard, len(positions)), chunk_size):
            texts = [spec.passage_text(p.title, p.text) for p in chunk]
            vectors = _encode_prepared(texts, spec.max_passage_length, spec, batch_size=batch_size, device=torch_device, precision=resolved, bar=bar)
            writer.write([p.id for p in chunk], vectors)
            taken += len(chunk)
        if taken != len(positions):
            raise InputFormatError(passages_tsv, None, None, f"expected {total} passages (num_passages), found fewer")
    return taken


def _stop_after(items: Iterator, count: int) -> Iterator:
    """Stop reading the file once the shard is complete."""
    for taken, item in enumerate(items):
        if taken == count:
            return
        yield item


def encode_queries(
    questions: str | os.PathLike | Sequence[tuple[str, str]],
    out_npy: str | os.PathLike,
    spec: EncoderSpec,
    *,
    languages: Sequence[str] | None = None,
    batch_size: int = 64,
    precision: Precision = "auto",
    device: str = "auto",
    threads: int | None = None,
    progress: bool = True,
) -> int:
    """Encode queries (an XOR-TyDi question file, or (id, text) pairs) into a vector set."""
    if isinstance(questions, (str, os.PathLike)):
        pairs = [(q.id, q.text) for q in read_questions(questions, languages)]
    else:
        pairs = [(str(qid), text) for qid, text in questions]
    vectors = encode_texts([text for _, text in pairs], spec, kind="query", batch_size=batch_size,
                           precision=precision, device=device, threads=threads, progress=progress)
    with VectorWriter(out_npy, len(pairs), vectors.shape[1]) as writer:
        writer.write([qid for qid, _ in pairs], vectors)
    return len(pairs)


class _GeneratedIndex(NamedTuple):
    """What the model-free first pass over a generated-query file learns: rows and sample counts."""

    rows: dict[str, int]  # passage id -> row, in first-appearance order
    present: dict[tuple[int, str], int]  # (row, language) -> number of queries in the file

    def languages(self) -> list[str]:
        found = {lang for _, lang in self.present}
        return [lang for lang in LANGUAGES if lang in found]

    def max_samples(self) -> int:
        return max(self.present.values(), default=0)


def _index_generated(generated_jsonl: str | os.PathLike) -> _GeneratedIndex:
    rows: dict[str, int] = {}
    present: dict[tuple[int, str], int] = {}
    for record_number, record in enumerate(iter_generated_queries(generated_jsonl), start=1):
        row = rows.setdefault(record.passage_id, len(rows))
        if (row, record.lang) in present:
            raise InputFormatError(generated_jsonl, None, "passage_id",
                                   f"record {record_number} repeats passage {record.passage_id!r} in language {record.lang!r}")
        present[(row, record.lang)] = len(record.queries)
    return _GeneratedIndex(rows, present)


def _encode_generated_sets(
    generated_jsonl: str | os.PathLike,
    index: _GeneratedIndex,
    outputs: Mapping[str | os.PathLike, Sequence[str]],
    spec: EncoderSpec,
    samples: int,
    *,
    chunk_size: int,
    batch_size: int,
    precision: Precision,
    device: str,
    threads: int | None,
    progress: bool,
) -> None:
    """Encode one pass over ``generated_jsonl`` into several vector sets ({path: its languages}).

    Each vector set collects its own chunks of ``chunk_size`` queries in file order, so its batches, and
    hence its bytes, are those of encoding it alone; memory holds at most one chunk of texts per set.
    """
    target: dict[str, tuple[int, int]] = {}  # language -> (vector set, column)
    for number, langs in enumerate(outputs.values()):
        for column, lang in enumerate(langs):
            if lang in target:
                raise ValueError(f"language {lang!r} is asked for in two vector sets")
            target[lang] = (number, column)
    all_counts = [np.zeros((len(index.rows), len(langs)), dtype=np.int32) for langs in outputs.values()]
    for (row, lang), count in index.present.items():
        if lang in target:
            number, column = target[lang]
            all_counts[number][row, column] = min(count, samples)

    torch_device, resolved = _setup(device, precision, threads)
    _, model = load_model(spec.model, str(torch_device))
    with contextlib.ExitStack() as stack:
        arrays = [
            stack.enter_context(generated_query_vector_writer(path, list(index.rows), langs, counts, samples, model.config.hidden_size))
            for (path, langs), counts in zip(outputs.items(), all_counts, strict=True)
        ]
        bar = stack.enter_context(tqdm(total=int(sum(c.sum() for c in all_counts)), desc=f"encode generated queries ({resolved})",
                                       unit="query", disable=not progress))
        buffers: list[list[tuple[int, int, int, str]]] = [[] for _ in arrays]

        def flush(number: int) -> None:
            chunk, buffers[number] = buffers[number], []
            prepared = [spec.query_text(text) for *_, text in chunk]
            vectors = _encode_prepared(prepared, spec.max_query_length, spec, batch_size=batch_size, device=torch_device, precision=resolved, bar=bar)
            rows, columns, sample = (np.array(axis) for axis in list(zip(*chunk))[:3])
            arrays[number][rows, columns, sample] = vectors.astype(np.float16)

        for record in iter_generated_queries(generated_jsonl):
            if record.lang not in target:
                continue
            number, column = target[record.lang]
            row = index.rows[record.passage_id]
            for sample, text in enumerate(record.queries[:samples]):
                buffers[number].append((row, column, sample, text))
                if len(buffers[number]) == chunk_size:
                    flush(number)
        for number, buffer in enumerate(buffers):
            if buffer:
                flush(number)


def encode_generated_queries(
    generated_jsonl: str | os.PathLike,
    out_npy: str | os.PathLike,
    spec: EncoderSpec,
    *,
    num_samples: int | None = None,
    languages: Sequence[str] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    batch_size: int = 64,
    precision: Precision = "auto",
    device: str = "auto",
    threads: int | None = None,
    progress: bool = True,
) -> tuple[int, int, int]:
    """Encode generated queries (as queries) into the generated-query layout of :mod:`xqg.vectors`.

    Passages keep their first-appearance order; ``languages`` defaults to those present (in the
    canonical order); ``num_samples`` defaults to the most queries any record has, and keeps only
    the first ``num_samples`` of longer records. Returns (n_passages, n_languages, n_samples).
    """
    index = _index_generated(generated_jsonl)
    langs = index.languages() if languages is None else list(languages)
    samples = index.max_samples() if num_samples is None else num_samples
    _encode_generated_sets(generated_jsonl, index, {out_npy: langs}, spec, samples, chunk_size=chunk_size, batch_size=batch_size,
                           precision=precision, device=device, threads=threads, progress=progress)
    return len(index.rows), len(langs), samples


def encode_generated_queries_by_language(
    generated_jsonl: str | os.PathLike,
    outputs: Mapping[str, str | os.PathLike],
    spec: EncoderSpec,
    *,
    num_samples: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    batch_size: int = 64,
    precision: Precision = "auto",
    device: str = "auto",
    threads: int | None = None,
    progress: bool = True,
) -> tuple[int, int]:
    """One vector set per language ({language: NAME.npy}), from two passes over the file, whatever the languages.

    The files are byte for byte those of ``encode_generated_queries(..., languages=[lang])`` for each
    language (which would read the file twice per language): a first, model-free pass indexes passages
    and counts, a second encodes. ``num_samples`` defaults to the most queries of any record (of any
    language), as there. Returns (n_passages, n_samples).
    """
    index = _index_generated(generated_jsonl)
    samples = index.max_samples() if num_samples is None else num_samples
    _encode_generated_sets(generated_jsonl, index, {path: [lang] for lang, path in outputs.items()}, spec, samples,
                           chunk_size=chunk_size, batch_size=batch_size, precision=precision, device=device, threads=threads, progress=progress)
    return len(index.rows), samples


# ----------------------------------------------------------------------------- command line

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Encode passages, queries or generated queries into vector files.")
    parser.add_argument("what", choices=["passages", "queries", "generated"])
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path, help="NAME.npy (ids go to NAME.ids.txt)")
    parser.add_argument("--model", required=True)
    parser.add_argument("--pooling", choices=["cls", "mean"], default="cls")
    parser.add_argument("--query-prefix", default="")
    parser.add_argument("--passage-prefix", default="")
    parser.add_argument("--normalize", action="store_true")
    parser.add_argument("--max-query-length", type=int, default=32)
    parser.add_argument("--max-passage-length", type=int, default=128)
    parser.add_argument("--shard", type=int, default=0)
    parser.add_argument("--num-shards", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16"], default="auto")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)
    spec = EncoderSpec(args.model, args.pooling, args.query_prefix, args.passage_prefix, args.normalize,
                       args.max_query_length, args.max_passage_length)
    options = dict(batch_size=args.batch_size, precision=args.precision, device=args.device, threads=args.threads)
    if args.what == "passages":
        encode_passage_shard(args.input, args.output, spec, args.shard, args.num_shards, **options)
    elif args.what == "queries":
        encode_queries(args.input, args.output, spec, **options)
    else:
        encode_generated_queries(args.input, args.output, spec, **options)


if __name__ == "__main__":
    main()
