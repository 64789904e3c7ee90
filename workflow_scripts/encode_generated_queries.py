"""Rule encode_generated_queries: the generated queries of one passage shard, one vector set a language."""

from xqg.encoder_spec import EncoderSpec
from xqg.encoding import encode_generated_queries
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.encoding
    spec = EncoderSpec(model=snakemake.params.model, **snakemake.params.spec)
    for lang in snakemake.output.keys():
        shape = encode_generated_queries(
            snakemake.input.generated,
            snakemake.output[lang],
            spec,
            num_samples=snakemake.params.samples,
            languages=[lang],
            batch_size=settings["batch_size"],
            precision=settings["precision"],
            threads=snakemake.threads,
        )
        log.info("%s: encoded generated queries of %d passages x %d samples", lang, shape[0], shape[2])
