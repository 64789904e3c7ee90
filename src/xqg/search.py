"""Inner-product search with faiss, shard by shard, into TREC runs.

Exact search (``IndexFlatIP``) is the default, as in the paper. For corpora that do not fit in memory,
``index="ivf"`` or ``"hnsw"`` trade recall for memory and speed; :func:`recall_against_exact` measures
what they lose. GPU faiss is used when present and asked for; results equal CPU exact search.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import faiss
import numpy as np

IndexKind = Literal["flat", "ivf", "hnsw"]


@dataclass(frozen=True)
class SearchConfig:
    depth: int = 100
    index: IndexKind = "flat"
    ivf_lists: int = 4096
    ivf_probe: int = 64
    hnsw_m: int = 32
    hnsw_ef_search: int = 256
    use_gpu: bool = False


def build_index(vectors: np.ndarray, config: SearchConfig) -> faiss.Index:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if config.index == "flat":
        index = faiss.IndexFlatIP(dim)
    elif config.index == "ivf":
        lists = min(config.ivf_lists, max(1, vectors.shape[0] // 39))  # faiss wants >= 39 points a list
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
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
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    best_scores = np.full((queries.shape[0], 0), -np.inf, dtype=np.float32)
    best_ids = np.empty((queries.shape[0], 0), dtype=object)
    for ids, vectors in shards:
        ids = np.asarray(list(ids), dtype=object)
        if len(ids) != len(vectors):
            raise ValueError(f"shard has {len(ids)} ids but {len(vectors)} vectors")
        index = build_index(vectors, config)
        scores, positions = index.search(queries, min(config.depth, len(ids)))
        valid = positions >= 0
        found_ids = np.where(valid, ids[np.clip(positions, 0, None)], None)
        scores = np.where(valid, scores, -np.inf).astype(np.float32)
        merged_scores = np.concatenate([best_scores, scores], axis=1)
        merged_ids = np.concatenate([best_ids, found_ids], axis=1)
        order = np.argsort(-merged_scores, axis=1, kind="stable")[:, : config.depth]
        best_scores = np.take_along_axis(merged_scores, order, axis=1)
        best_ids = np.take_along_axis(merged_ids, order, axis=1)
    rankings = [[pid for pid in row if pid is not None] for row in best_ids]
    return best_scores, rankings


def recall_against_exact(approximate: list[list[str]], exact: list[list[str]], depth: int) -> float:
    """Share of the exact top-``depth`` passages that an approximate index also returns."""
    found = total = 0
    for approx_row, exact_row in zip(approximate, exact, strict=True):
        truth = set(exact_row[:depth])
        found += len(truth & set(approx_row[:depth]))
        total += len(truth)
    return found / max(total, 1)
