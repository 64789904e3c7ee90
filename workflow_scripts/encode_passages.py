"""Rule encode_passages: one contiguous shard of the passage collection into a vector set."""

from xqg.encoder_spec import EncoderSpec
from xqg.formats import InputFormatError
from xqg.rule_logging import rule_log
from xqg.truncation import counting_truncation
from xqg.vector_encoding import count_passages, encode_passage_shard, shard_range

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.encoding  # xqg.settings.sections.EncodingSettings
    shard_index, num_shards = int(snakemake.wildcards.shard), snakemake.params.num_shards
    shard = f"shard {shard_index + 1} of {num_shards}"
    total = count_passages(snakemake.input.corpus)  # once, before the model loads: passed on below
    if not shard_range(total, shard_index, num_shards):
        raise InputFormatError(snakemake.input.corpus, None, None, f"no passages in {shard} ({total} passages in all)")
    with counting_truncation() as truncated:
        count = encode_passage_shard(
            snakemake.input.corpus,
            snakemake.output.vectors,
            EncoderSpec(model=snakemake.params.model, **snakemake.params.spec),
            shard_index=shard_index,
            num_shards=num_shards,
            num_passages=total,
            **settings.options(snakemake.threads),
        )
    log.info("encoded %d passages", count)
    log.info("%s", truncated.describe(f"{snakemake.input.corpus} ({shard})", "passages"))
