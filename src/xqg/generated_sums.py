"""The per-passage sums of generated-query vectors that xQG's fusion reads (xqg.fusion).

Fusion adds up the first k generated-query vectors of every fusion language per passage. Storing that
sum per k, instead of each of the 35 query vectors, is what makes the full study's storage fit (0.97 TB
an encoder of per-query vectors against 28 GB a sum): the job that encodes a shard's generated queries
reduces them here, and its per-query vectors can then be deleted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def generated_query_sums(
    generated_vectors: Mapping[str, np.ndarray],
    ks: Sequence[int],
    *,
    languages: Sequence[str] | None = None,
    rows: int | None = None,
    dim: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per passage and k, the float32 sum of the first k generated-query vectors of every selected
    language, and how many queries it sums: arrays (n, len(ks), d) and (n, len(ks)) int32.

    ``generated_vectors[lang]`` is (n, samples, d); NaN rows (samples not generated) are left out. The
    additions run in the order :func:`xqg.fusion.fuse_passage_embeddings` has always used (per language, its
    samples, then across languages), so fusing from these sums gives the same floats.
    """
    selected = list(generated_vectors) if languages is None else list(languages)
    missing = [lang for lang in selected if lang not in generated_vectors]
    if missing:
        raise KeyError(f"no generated-query vectors for languages {missing}")
    if any(k < 1 for k in ks):
        raise ValueError(f"sums need k >= 1, got {list(ks)}")
    first = generated_vectors[selected[0]] if selected else None
    rows = first.shape[0] if rows is None else rows
    dim = first.shape[2] if dim is None else dim
    sums = np.zeros((rows, len(ks), dim), dtype=np.float32)
    counts = np.zeros((rows, len(ks)), dtype=np.int32)
    for lang in selected:
        vectors = generated_vectors[lang]
        if vectors.shape[0] != rows or vectors.shape[2] != dim:
            raise ValueError(f"{lang}: generated vectors {vectors.shape} do not align with passages {(rows, dim)}")
        if vectors.shape[1] < max(ks):
            raise ValueError(f"{lang}: k={max(ks)} asked but only {vectors.shape[1]} samples per passage were generated")
        chunk = np.asarray(vectors[:, :max(ks)], dtype=np.float32)
        present = ~np.isnan(chunk).any(axis=2)  # (n, k)
        chunk = np.where(present[..., None], chunk, 0.0)
        for column, k in enumerate(ks):
            sums[:, column] += chunk[:, :k].sum(axis=1)
            counts[:, column] += present[:, :k].sum(axis=1)
    return sums, counts


def sum_generated_query_files(
    generated_npy: Mapping[str, str],
    out_npy: str,
    ks: Sequence[int],
    *,
    block_rows: int = 65536,
) -> int:
    """Reduce per-language generated-query vector sets (one encoding job's, same passages) to one sums
    set ``out_npy`` (:func:`xqg.vectors.generated_query_sums_writer`) for the given ks, block by block
    (memory follows ``block_rows``, not the shard). Returns the number of passages."""
    from xqg.vectors import generated_query_sums_writer, read_generated_query_vectors

    sources, passage_ids = {}, None
    for lang, path in generated_npy.items():
        queries = read_generated_query_vectors(path)
        if queries.languages != [lang]:
            raise ValueError(f"{path}: holds languages {queries.languages}, expected [{lang!r}]")
        if passage_ids is None:
            passage_ids = queries.passage_ids
        elif queries.passage_ids != passage_ids:
            raise ValueError(f"{path}: passage ids differ from those of {next(iter(generated_npy.values()))}")
        sources[lang] = queries.vectors
    if passage_ids is None:
        raise ValueError("no generated-query vector sets to sum")
    dim = next(iter(sources.values())).shape[3]
    with generated_query_sums_writer(out_npy, passage_ids, list(sources), ks, dim) as (sums, counts):
        for start in range(0, len(passage_ids), block_rows):
            block = slice(start, start + block_rows)
            block_sums, block_counts = generated_query_sums({lang: v[block, 0] for lang, v in sources.items()}, ks)
            sums[block], counts[block] = block_sums, block_counts
    return len(passage_ids)
