"""Rule encode_queries: a language's clean dev queries and every attacked query set."""

from pathlib import Path

from xqg.encoder_spec import EncoderSpec
from xqg.formats import read_questions
from xqg.query_sets import QuerySet, attacked_run_queries
from xqg.rule_logging import rule_log
from xqg.truncation import counting_truncation
from xqg.vector_encoding import encode_queries

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.encoding  # xqg.settings.sections.EncodingSettings
    spec = EncoderSpec(model=snakemake.params.model, **snakemake.params.spec)
    lang = snakemake.wildcards.lang
    query_sets = {"clean": [(q.id, q.text) for q in read_questions(snakemake.input.clean, languages=[lang])]}
    sources = {"clean": f"{snakemake.input.clean} ({lang})"}
    for path in snakemake.input.attacked:
        name = QuerySet.parse(Path(path).stem).name
        query_sets[name], sources[name] = attacked_run_queries(path), path
    for name, pairs in query_sets.items():
        with counting_truncation() as truncated:
            count = encode_queries(
                pairs,
                snakemake.output[name],
                spec,
                batch_size=settings.batch_size,
                precision=settings.precision,
                threads=snakemake.threads,
                progress=False,
            )
        log.info("%s: encoded %d queries", name, count)
        log.info("%s", truncated.describe(sources[name], "queries"))
