"""Inner-product search with faiss, shard by shard, into TREC runs.

Exact search (``IndexFlatIP``) is the default, as in the paper. For corpora that do not fit in memory,
``index="ivf"`` (inverted lists), ``"hnsw"`` (graph) or ``"ivfpq"`` (inverted lists over product-quantised
codes, ~``dim * 4 / pq_m`` times smaller than float32) trade recall for memory and speed;
:func:`recall_against_exact` measures what they lose (the workflow reports it: :mod:`xqg.search_recall`).
GPU faiss is used when present and asked for; results equal CPU exact search.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import faiss
import numpy as np

IndexKind = Literal["flat", "ivf", "hnsw", "ivfpq"]
PQ_BITS = 8  # bits per sub-quantiser code: 256 centroids, faiss's standard (and GPU-supported) choice


@dataclass(frozen=True)
class SearchConfig:
    depth: int = 100
    index: IndexKind = "flat"
    ivf_lists: int = 4096
    ivf_probe: int = 64
    hnsw_m: int = 32
    hnsw_ef_search: int = 256
    pq_m: int = 64  # sub-quantisers of ivfpq; must divide the vector dimension
    use_gpu: bool = False

    def describe(self) -> str:
        """The index and its accuracy knobs, for reports."""
        if self.index in ("ivf", "ivfpq"):
            pq = f", pq_m {self.pq_m} x {PQ_BITS} bits" if self.index == "ivfpq" else ""
            return f"{self.index} (up to {self.ivf_lists} lists a shard, nprobe {self.ivf_probe}{pq})"
        if self.index == "hnsw":
            return f"hnsw (M {self.hnsw_m}, efSearch {self.hnsw_ef_search})"
        return self.index


def _ivf_lists(num_vectors: int, config: SearchConfig) -> int:
    return min(config.ivf_lists, max(1, num_vectors // 39))  # faiss wants >= 39 training points a list


def build_index(vectors: np.ndarray, config: SearchConfig) -> faiss.Index:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if config.index == "flat":
        index = faiss.IndexFlatIP(dim)
    elif config.index == "ivf":
        lists = _ivf_lists(vectors.shape[0], config)
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
        index.nprobe = min(config.ivf_probe, lists)
    elif config.index == "ivfpq":
        if dim % config.pq_m:
            raise ValueError(f"search.pq_m = {config.pq_m} must divide the vector dimension {dim}")
        if vectors.shape[0] < 2**PQ_BITS:
            raise ValueError(f"ivfpq needs at least {2**PQ_BITS} vectors a shard to train its codebooks, got {vectors.shape[0]}")
        lists = _ivf_lists(vectors.shape[0], config)
        index = faiss.IndexIVFPQ(faiss.IndexFlatIP(dim), dim, lists, config.pq_m, PQ_BITS, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
        index.nprobe = min(config.ivf_probe, lists)
    elif config.index == "hnsw":
        index = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = config.hnsw_ef_search
    else:
        raise ValueError(f"unknown index kind {config.index!r}")
    if config.use_gpu:
        if not hasattr(faiss, "StandardGpuResources") or faiss.get_num_gpus() == 0:
            raise RuntimeError("search.use_gpu is set but this faiss build sees no GPU (install faiss-gpu)")
        index = faiss.index_cpu_to_gpu(faiss.StandardGpuResources(), 0, index)
    index.add(vectors)
    return index


def search_shards(
    queries: np.ndarray,
    shards: Iterable[tuple[Sequence[str], np.ndarray]],
    config: SearchConfig,
) -> tuple[np.ndarray, list[list[str]]]:
    """Search every shard (ids, vectors) and merge into the global top ``config.depth``.

    Only one shard's index is in memory at a time, so peak memory follows the shard size, not the
    corpus. Ties are broken by shard order then by position, as a single flat index would.
    Returns (scores (q, depth), passage ids per query).
    """
    return search_shards_grouped([queries], shards, config)[0]


def search_shards_grouped(
    groups: Sequence[np.ndarray],
    shards: Iterable[tuple[Sequence[str], np.ndarray]],
    config: SearchConfig,
) -> list[tuple[np.ndarray, list[list[str]]]]:
    """:func:`search_shards` for several query batches (e.g. one per language) in one pass over the
    shards: each shard's index is built once and searched with each batch on its own. A batch's results
    do not depend on the other batches (BLAS kernels round by batch shape, so merging batches would
    move scores in the last bit and flip near-ties)."""
    groups = [np.ascontiguousarray(queries, dtype=np.float32) for queries in groups]
    best = [(np.full((len(q), 0), -np.inf, dtype=np.float32), np.empty((len(q), 0), dtype=object)) for q in groups]
    for ids, vectors in shards:
        ids = np.asarray(list(ids), dtype=object)
        if len(ids) != len(vectors):
            raise ValueError(f"shard has {len(ids)} ids but {len(vectors)} vectors")
        index = build_index(vectors, config)
        for g, queries in enumerate(groups):
            best_scores, best_ids = best[g]
            scores, positions = index.search(queries, min(config.depth, len(ids)))
            valid = positions >= 0
            found_ids = np.where(valid, ids[np.clip(positions, 0, None)], None)
            scores = np.where(valid, scores, -np.inf).astype(np.float32)
            merged_scores = np.concatenate([best_scores, scores], axis=1)
            merged_ids = np.concatenate([best_ids, found_ids], axis=1)
            order = np.argsort(-merged_scores, axis=1, kind="stable")[:, : config.depth]
            best[g] = (np.take_along_axis(merged_scores, order, axis=1), np.take_along_axis(merged_ids, order, axis=1))
    return [(scores, [[pid for pid in row if pid is not None] for row in ids]) for scores, ids in best]


def recall_against_exact(approximate: list[list[str]], exact: list[list[str]], depth: int) -> float:
    """Share of the exact top-``depth`` passages that an approximate index also returns."""
    found = total = 0
    for approx_row, exact_row in zip(approximate, exact, strict=True):
        truth = set(exact_row[:depth])
        found += len(truth & set(approx_row[:depth]))
        total += len(truth)
    return found / max(total, 1)
