"""Rule encode_passages: one contiguous shard of the passage collection into a vector set."""

from xqg.encoder_spec import EncoderSpec
from xqg.encoding import encode_passage_shard
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.encoding
    count = encode_passage_shard(
        snakemake.input.corpus,
        snakemake.output.vectors,
        EncoderSpec(model=snakemake.params.model, **snakemake.params.spec),
        shard_index=int(snakemake.wildcards.shard),
        num_shards=snakemake.params.num_shards,
        batch_size=settings["batch_size"],
        precision=settings["precision"],
        threads=snakemake.threads,
    )
    log.info("encoded %d passages", count)
