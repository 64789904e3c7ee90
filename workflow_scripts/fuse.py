"""Rule fuse_passage_embeddings: xQG fusion of one passage shard at one (k, alpha)."""

from pathlib import Path

import numpy as np

from xqg.fusion import fuse_passage_embeddings
from xqg.rule_logging import rule_log
from xqg.vectors import read_vectors, write_vectors

with rule_log(snakemake.log[0]) as log:
    passage_ids, passages = read_vectors(snakemake.input.passages)
    generated = {}
    for lang, path in zip(snakemake.params.languages, snakemake.input.generated, strict=True):
        generated[lang] = np.load(path, mmap_mode="r")
    fused = fuse_passage_embeddings(
        passages,
        generated,
        k=int(snakemake.wildcards.k),
        alpha=float(snakemake.wildcards.alpha),
        aggregate=snakemake.params.aggregate,
        normalize=snakemake.params.normalize,
    )
    norms = np.linalg.norm(fused, axis=1)
    log.info("fused %d passages with k=%s alpha=%s: vector norms mean %.3f (min %.3f, max %.3f)",
             len(passage_ids), snakemake.wildcards.k, snakemake.wildcards.alpha, norms.mean(), norms.min(), norms.max())
    write_vectors(snakemake.output[0], passage_ids, fused)
