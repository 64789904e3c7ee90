"""Vector sets written to files (see :mod:`xqg.vectors`) by the text encoder of :mod:`xqg.encoding`:

- :func:`encode_passage_shard`: shard i of k takes the contiguous range of passage positions
  ``[n*i//k, n*(i+1)//k)``; concatenating the shards' outputs in shard order gives the unsharded output.
- :func:`encode_queries`: questions (XOR-TyDi JSONL or (id, text) pairs).
- :func:`encode_generated_queries`: generated-query JSONL into the (passage, language, sample, dim)
  layout that fusion slices; :func:`encode_generated_queries_by_language` writes one such vector set
  per language from a single encoding pass (the workflow's layout).

Each takes the keyword options of :class:`xqg.encoding.EncodingOptions` (batch size, precision,
device, threads, progress bar).
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

from xqg.encoder_spec import EncoderSpec
from xqg.encoding import EncodingOptions, encode_texts
from xqg.formats import InputFormatError, Passage, iter_generated_queries, iter_passages, read_questions
from xqg.languages import LANGUAGES
from xqg.vectors import VectorWriter, generated_query_vector_writer

DEFAULT_CHUNK = 8192  # texts tokenised and length-sorted together by the file drivers


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ----------------------------------------------------------------------------- passages

def shard_range(num_items: int, shard_index: int, num_shards: int) -> range:
    """Contiguous, balanced positions of shard ``shard_index`` of ``num_shards`` (sizes differ by <= 1)."""
    if num_shards < 1 or not 0 <= shard_index < num_shards:
        raise ValueError(f"shard {shard_index} of {num_shards} does not exist")
    return range(num_items * shard_index // num_shards, num_items * (shard_index + 1) // num_shards)


def count_passages(passages_tsv: str | os.PathLike) -> int:
    return sum(1 for _ in tqdm(iter_passages(passages_tsv), desc="count passages", unit="passage", mininterval=5))


def read_passage_shard(passages_tsv: str | os.PathLike, shard_index: int, num_shards: int) -> list[Passage]:
    """The passages of one shard, streamed in two passes (count, then the slice): memory holds the shard,
    not the collection (18M passages are ~19 GB as Python objects)."""
    positions = shard_range(count_passages(passages_tsv), shard_index, num_shards)
    return list(itertools.islice(iter_passages(passages_tsv), positions.start, positions.stop))


def encode_passage_shard(
    passages_tsv: str | os.PathLike,
    out_npy: str | os.PathLike,
    spec: EncoderSpec,
    shard_index: int = 0,
    num_shards: int = 1,
    *,
    num_passages: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    **options,
) -> int:
    """Encode one contiguous shard of a passage TSV into a vector set; returns the number of passages.

    Passage text is ``spec.passage_text(title, text)``. ``num_passages`` (the collection size) saves a
    counting pass over the file; memory stays bounded by ``chunk_size`` whatever the collection size.
    """
    run = EncodingOptions(**options)
    total = count_passages(passages_tsv) if num_passages is None else num_passages
    positions = shard_range(total, shard_index, num_shards)
    encoder = run.open(spec)
    taken = 0
    shard = (p for position, p in enumerate(iter_passages(passages_tsv)) if position in positions)
    with VectorWriter(out_npy, len(positions), encoder.dim) as writer, tqdm(
        total=len(positions), desc=f"encode passages, shard {shard_index + 1}/{num_shards} ({encoder.label})", unit="passage", disable=not run.progress
    ) as bar:
        for chunk in _chunks(_stop_after(shard, len(positions)), chunk_size):
            texts = [spec.passage_text(p.title, p.text) for p in chunk]
            vectors = encoder.encode_prepared(texts, spec.max_passage_length, bar)
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


# ----------------------------------------------------------------------------- queries

def encode_queries(
    questions: str | os.PathLike | Sequence[tuple[str, str]],
    out_npy: str | os.PathLike,
    spec: EncoderSpec,
    *,
    languages: Sequence[str] | None = None,
    **options,
) -> int:
    """Encode queries (an XOR-TyDi question file, or (id, text) pairs) into a vector set."""
    run = EncodingOptions(**options)
    if isinstance(questions, (str, os.PathLike)):
        pairs = [(q.id, q.text) for q in read_questions(questions, languages)]
    else:
        pairs = [(str(qid), text) for qid, text in questions]
    vectors = encode_texts([text for _, text in pairs], spec, kind="query", **asdict(run))
    with VectorWriter(out_npy, len(pairs), vectors.shape[1]) as writer:
        writer.write([qid for qid, _ in pairs], vectors)
    return len(pairs)


# ----------------------------------------------------------------------------- generated queries

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
    options: EncodingOptions,
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

    encoder = options.open(spec)
    with contextlib.ExitStack() as stack:
        arrays = [
            stack.enter_context(generated_query_vector_writer(path, list(index.rows), langs, counts, samples, encoder.dim))
            for (path, langs), counts in zip(outputs.items(), all_counts, strict=True)
        ]
        bar = stack.enter_context(tqdm(total=int(sum(c.sum() for c in all_counts)), desc=f"encode generated queries ({encoder.label})",
                                       unit="query", disable=not options.progress))
        buffers: list[list[tuple[int, int, int, str]]] = [[] for _ in arrays]

        def flush(number: int) -> None:
            chunk, buffers[number] = buffers[number], []
            prepared = [spec.query_text(text) for *_, text in chunk]
            vectors = encoder.encode_prepared(prepared, spec.max_query_length, bar)
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
    **options,
) -> tuple[int, int, int]:
    """Encode generated queries (as queries) into the generated-query layout of :mod:`xqg.vectors`.

    Passages keep their first-appearance order; ``languages`` defaults to those present (in the
    canonical order); ``num_samples`` defaults to the most queries any record has, and keeps only
    the first ``num_samples`` of longer records. Returns (n_passages, n_languages, n_samples).
    """
    run = EncodingOptions(**options)
    index = _index_generated(generated_jsonl)
    langs = index.languages() if languages is None else list(languages)
    samples = index.max_samples() if num_samples is None else num_samples
    _encode_generated_sets(generated_jsonl, index, {out_npy: langs}, spec, samples, chunk_size=chunk_size, options=run)
    return len(index.rows), len(langs), samples


def encode_generated_queries_by_language(
    generated_jsonl: str | os.PathLike,
    outputs: Mapping[str, str | os.PathLike],
    spec: EncoderSpec,
    *,
    num_samples: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    **options,
) -> tuple[int, int]:
    """One vector set per language ({language: NAME.npy}), from two passes over the file, whatever the languages.

    The files are byte for byte those of ``encode_generated_queries(..., languages=[lang])`` for each
    language (which would read the file twice per language): a first, model-free pass indexes passages
    and counts, a second encodes. ``num_samples`` defaults to the most queries of any record (of any
    language), as there. Returns (n_passages, n_samples).
    """
    run = EncodingOptions(**options)
    index = _index_generated(generated_jsonl)
    samples = index.max_samples() if num_samples is None else num_samples
    _encode_generated_sets(generated_jsonl, index, {path: [lang] for lang, path in outputs.items()}, spec, samples,
                           chunk_size=chunk_size, options=run)
    return len(index.rows), samples
