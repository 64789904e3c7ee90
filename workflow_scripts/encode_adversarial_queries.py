"""Rule encode_adversarial_queries: one encoder's greedy query sets of one language, like encode_queries."""

from pathlib import Path

from xqg.encoder_spec import EncoderSpec
from xqg.encoding import encode_queries
from xqg.query_sets import attacked_run_queries
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.encoding
    spec = EncoderSpec(model=snakemake.params.model, **snakemake.params.spec)
    for path in snakemake.input.attacked:
        name = Path(path).name.removesuffix(".jsonl")
        count = encode_queries(attacked_run_queries(path), snakemake.output[name], spec, batch_size=settings["batch_size"],
                               precision=settings["precision"], threads=snakemake.threads, progress=False)
        log.info("%s: encoded %d queries", name, count)
