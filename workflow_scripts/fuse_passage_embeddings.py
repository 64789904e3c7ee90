"""Rule fuse_passage_embeddings: xQG fusion of one passage shard at one (k, alpha)."""

from xqg.fusion import fuse_vector_files
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    norms = fuse_vector_files(
        snakemake.input.passages,
        snakemake.input.sums,
        snakemake.output[0],
        k=int(snakemake.wildcards.k),
        alpha=float(snakemake.wildcards.alpha),
        aggregate=snakemake.params.aggregate,
        normalize=snakemake.params.normalize,
    )
    log.info("fused %d passages (k=%s, alpha=%s): vector norms mean %.3f, min %.3f, max %.3f",
             len(norms), snakemake.wildcards.k, snakemake.wildcards.alpha, norms.mean(), norms.min(), norms.max())
