"""xQG's fusion: augment each passage vector with the vectors of its generated queries.

The public code (ielab/xQG4xDR, fuse_embeds.py) computes

    e_aug = (1 - alpha) * e_p + alpha * SUM_i e_q_i

over all generated queries of the passage: a sum, not a mean, and no normalisation. That is the default
here. Options cover the variants a study needs: ``aggregate="mean"``, L2 normalisation of the result,
which languages' queries are fused, and how many per language (the k of the paper's Figure 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

Aggregate = Literal["sum", "mean"]


def fuse_passage_embeddings(
    passage_vectors: np.ndarray,
    generated_vectors: Mapping[str, np.ndarray],
    *,
    k: int,
    alpha: float,
    aggregate: Aggregate = "sum",
    normalize: bool = False,
    languages: Sequence[str] | None = None,
) -> np.ndarray:
    """Fuse (n, d) passage vectors with the first ``k`` generated-query vectors per language.

    ``generated_vectors[lang]`` has shape (n, samples, d), rows aligned with ``passage_vectors``; a
    sample that was not generated is a row of NaN and is left out (so a passage with fewer than k
    queries sums what it has). ``languages`` selects whose queries are fused (default: all given).
    With ``k == 0`` or ``alpha == 0`` the passage vectors come back unchanged (as float32).
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    if aggregate not in ("sum", "mean"):
        raise ValueError(f"aggregate must be 'sum' or 'mean', got {aggregate!r}")
    passages = np.asarray(passage_vectors, dtype=np.float32)
    selected = list(generated_vectors) if languages is None else list(languages)
    missing = [lang for lang in selected if lang not in generated_vectors]
    if missing:
        raise KeyError(f"no generated-query vectors for languages {missing}")
    if k == 0 or alpha == 0.0 or not selected:
        fused = passages.copy()
    else:
        total = np.zeros_like(passages)
        count = np.zeros((passages.shape[0], 1), dtype=np.float32)
        for lang in selected:
            vectors = generated_vectors[lang]
            if vectors.shape[0] != passages.shape[0] or vectors.shape[2] != passages.shape[1]:
                raise ValueError(f"{lang}: generated vectors {vectors.shape} do not align with passages {passages.shape}")
            if vectors.shape[1] < k:
                raise ValueError(f"{lang}: k={k} asked but only {vectors.shape[1]} samples per passage were generated")
            chunk = np.asarray(vectors[:, :k], dtype=np.float32)
            present = ~np.isnan(chunk).any(axis=2)  # (n, k)
            total += np.where(present[..., None], chunk, 0.0).sum(axis=1)
            count += present.sum(axis=1, keepdims=True)
        if aggregate == "mean":
            total = total / np.maximum(count, 1.0)
        fused = (1.0 - alpha) * passages + alpha * total
    if normalize:
        fused = fused / np.maximum(np.linalg.norm(fused, axis=1, keepdims=True), 1e-12)
    return fused.astype(np.float32, copy=False)


def fuse_vector_files(
    passages_npy: str,
    generated_npy: Mapping[str, str],
    out_npy: str,
    *,
    k: int,
    alpha: float,
    aggregate: Aggregate = "sum",
    normalize: bool = False,
    block_rows: int = 65536,
) -> np.ndarray:
    """Fuse a passage vector set with per-language generated-query vector sets, block by block.

    Memory follows ``block_rows``, not the shard (a 1M-passage shard with 35 query vectors each would
    need ~100 GB in float32 at once). Generated rows are matched to passages by id. Returns the fused
    vectors' norms (for the log).
    """
    from xqg.vectors import VectorWriter, read_generated_query_vectors, read_vectors

    passage_ids, passages = read_vectors(passages_npy)
    row = {pid: i for i, pid in enumerate(passage_ids)}
    sources = {}
    for lang, path in generated_npy.items():
        queries = read_generated_query_vectors(path)
        if queries.languages != [lang]:
            raise ValueError(f"{path}: holds languages {queries.languages}, expected [{lang!r}]")
        unknown = [pid for pid in queries.passage_ids if pid not in row]
        if unknown or len(queries.passage_ids) != len(passage_ids):
            raise ValueError(f"{path}: generated queries cover {len(queries.passage_ids)} passages, the shard has "
                             f"{len(passage_ids)} (ids not in the shard: {unknown[:3]})")
        source_row = np.empty(len(passage_ids), dtype=np.int64)  # passage row -> generated row
        source_row[[row[pid] for pid in queries.passage_ids]] = np.arange(len(passage_ids))
        sources[lang] = (queries.vectors, source_row)
    norms = np.empty(len(passage_ids), dtype=np.float32)
    with VectorWriter(out_npy, len(passage_ids), passages.shape[1]) as writer:
        for start in range(0, len(passage_ids), block_rows):
            stop = min(start + block_rows, len(passage_ids))
            block = {}
            for lang, (vectors, source_row) in sources.items():
                take = source_row[start:stop]
                order = np.argsort(take)  # memory-mapped reads in file order
                gathered = np.empty((stop - start,) + vectors.shape[2:], dtype=np.float32)
                gathered[order] = vectors[take[order], 0]
                block[lang] = gathered
            fused = fuse_passage_embeddings(
                passages[start:stop], block, k=k, alpha=alpha, aggregate=aggregate, normalize=normalize
            )
            norms[start:stop] = np.linalg.norm(fused, axis=1)
            writer.write(passage_ids[start:stop], fused)
    return norms
