"""xQG's fusion: augment each passage vector with the vectors of its generated queries.

The public code (ielab/xQG4xDR, fuse_embeds.py) computes

    e_aug = (1 - alpha) * e_p + alpha * SUM_i e_q_i

over all generated queries of the passage: a sum, not a mean, and no normalisation. That is the default
here. Options cover the variants a study needs: ``aggregate="mean"``, L2 normalisation of the result,
which languages' queries are fused, and how many per language (the k of the paper's Figure 2).

Storage at scale (18M passages x 35 queries) rules out keeping every query vector, and fusion needs
only one sum per passage and k: :mod:`xqg.generated_sums` reduces the per-query vectors to those sums
(with the number of queries summed, for ``mean``) where they are encoded, and :func:`fuse_with_sums`
fuses from them. Every alpha of the sweeps is then a linear combination of stored arrays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from xqg.generated_sums import generated_query_sums

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
    if k == 0 or alpha == 0.0 or not (generated_vectors if languages is None else languages):
        return fuse_with_sums(passages, None, None, alpha=0.0, aggregate=aggregate, normalize=normalize)
    sums, counts = generated_query_sums(generated_vectors, [k], languages=languages, rows=passages.shape[0],
                                        dim=passages.shape[1])
    return fuse_with_sums(passages, sums[:, 0], counts[:, 0], alpha=alpha, aggregate=aggregate, normalize=normalize)


def fuse_with_sums(
    passages: np.ndarray,
    sums: np.ndarray | None,
    counts: np.ndarray | None,
    *,
    alpha: float,
    aggregate: Aggregate = "sum",
    normalize: bool = False,
) -> np.ndarray:
    """xQG's fusion from stored sums: (1 - alpha) * passages + alpha * sums (or sums / counts for
    ``mean``), optionally L2-normalised; ``alpha == 0`` gives back the passages (as float32)."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    if aggregate not in ("sum", "mean"):
        raise ValueError(f"aggregate must be 'sum' or 'mean', got {aggregate!r}")
    passages = np.asarray(passages, dtype=np.float32)
    if alpha == 0.0:
        fused = passages.copy()
    else:
        total = np.asarray(sums, dtype=np.float32)
        if aggregate == "mean":
            total = total / np.maximum(np.asarray(counts, dtype=np.float32)[:, None], 1.0)
        fused = (1.0 - alpha) * passages + alpha * total
    if normalize:
        fused = fused / np.maximum(np.linalg.norm(fused, axis=1, keepdims=True), 1e-12)
    return fused.astype(np.float32, copy=False)


def fuse_vector_files(
    passages_npy: str,
    sums_npy: str,
    out_npy: str,
    *,
    k: int,
    alpha: float,
    aggregate: Aggregate = "sum",
    normalize: bool = False,
    block_rows: int = 65536,
) -> np.ndarray:
    """Fuse a passage vector set with a generated-query sums set (:mod:`xqg.generated_sums`),
    block by block; sums rows are matched to passages by id. Returns the fused vectors' norms (for the log)."""
    from xqg.vectors import VectorWriter, read_generated_query_sums, read_vectors

    passage_ids, passages = read_vectors(passages_npy)
    sums = read_generated_query_sums(sums_npy)
    if k != 0 and k not in sums.ks:
        raise ValueError(f"{sums_npy}: holds sums for k in {sums.ks}, not k={k} (xqg.k, xqg.k_sweep)")
    row = {pid: i for i, pid in enumerate(sums.passage_ids)}
    unknown = [pid for pid in passage_ids if pid not in row]
    if unknown or len(sums.passage_ids) != len(passage_ids):
        raise ValueError(f"{sums_npy}: sums cover {len(sums.passage_ids)} passages, the shard has "
                         f"{len(passage_ids)} (shard ids without sums: {unknown[:3]})")
    source_row = np.array([row[pid] for pid in passage_ids], dtype=np.int64)  # passage row -> sums row
    column = sums.ks.index(k) if k else None
    norms = np.empty(len(passage_ids), dtype=np.float32)
    with VectorWriter(out_npy, len(passage_ids), passages.shape[1]) as writer:
        for start in range(0, len(passage_ids), block_rows):
            stop = min(start + block_rows, len(passage_ids))
            if column is None:
                block_sums = block_counts = None
            else:
                take = source_row[start:stop]
                order = np.argsort(take)  # memory-mapped reads in file order
                block_sums = np.empty((stop - start, passages.shape[1]), dtype=np.float32)
                block_sums[order] = sums.sums[take[order], column]
                block_counts = sums.counts[take, column]
            fused = fuse_with_sums(passages[start:stop], block_sums, block_counts, alpha=0.0 if column is None else alpha,
                                   aggregate=aggregate, normalize=normalize)
            norms[start:stop] = np.linalg.norm(fused, axis=1)
            writer.write(passage_ids[start:stop], fused)
    return norms
