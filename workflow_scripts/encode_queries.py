"""Rule encode_queries: a language's clean dev queries and every attacked query set."""

from pathlib import Path

from xqg.encoder_spec import EncoderSpec
from xqg.encoding import encode_queries
from xqg.formats import read_questions
from xqg.query_sets import QuerySet, attacked_run_queries
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.encoding
    spec = EncoderSpec(model=snakemake.params.model, **snakemake.params.spec)
    lang = snakemake.wildcards.lang
    query_sets = {"clean": [(q.id, q.text) for q in read_questions(snakemake.input.clean, languages=[lang])]}
    for path in snakemake.input.attacked:
        query_sets[QuerySet.parse(Path(path).stem).name] = attacked_run_queries(path)
    for name, pairs in query_sets.items():
        count = encode_queries(
            pairs,
            snakemake.output[name],
            spec,
            batch_size=settings["batch_size"],
            precision=settings["precision"],
            threads=snakemake.threads,
            progress=False,
        )
        log.info("%s: encoded %d queries", name, count)
