"""Rule encode_queries: every language's clean dev queries and attacked query sets, for one encoder.

One job per encoder (the model is loaded once); each query set is encoded on its own, exactly as one
job per language would (the same batches, so the same vectors)."""

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
    outputs = {name: path for name, path in snakemake.output.items() if not name.startswith("ids~")}
    languages = list(dict.fromkeys(name.split("/", 1)[0] for name in outputs))
    questions = read_questions(snakemake.input.clean, languages=languages)
    attacked = {}  # (lang, query set name) -> attacked query-set file
    for path in snakemake.input.attacked:
        path = Path(path)
        attacked[(path.parent.name, QuerySet.parse(path.stem).name)] = str(path)
    for name, output in outputs.items():
        lang, query_set = name.split("/", 1)
        if query_set == QuerySet().name:
            pairs, source = [(q.id, q.text) for q in questions if q.lang == lang], f"{snakemake.input.clean} ({lang})"
        else:
            source = attacked[(lang, query_set)]
            pairs = attacked_run_queries(source)
        with counting_truncation() as truncated:
            count = encode_queries(
                pairs,
                output,
                spec,
                **settings.options(snakemake.threads),
                progress=False,
            )
        log.info("%s %s: encoded %d queries", lang, query_set, count)
        log.info("%s", truncated.describe(source, "queries"))
