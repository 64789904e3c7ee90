"""Rule greedy_attack: greedy black-box attack of each main system of one encoder, for one language,
then the query vectors of the sets it wrote (the model is loaded once for both)."""

from xqg.attacks.greedy_systems import CachedEncoder, GreedySettings, run_greedy_attack
from xqg.encoder_spec import EncoderSpec
from xqg.file_errors import naming_files
from xqg.formats import read_qrels, read_questions
from xqg.query_sets import attacked_run_queries
from xqg.rule_logging import rule_log
from xqg.truncation import counting_truncation
from xqg.vector_encoding import encode_queries

VECTORS, IDS = "vectors~", "ids~"  # output names: a query set's vectors (.npy) and the ids file beside them

with rule_log(snakemake.log[0]) as log:
    w = snakemake.wildcards
    settings = GreedySettings.from_config(snakemake.params.greedy._asdict())
    encoding = snakemake.params.encoding  # xqg.settings.sections.EncodingSettings
    spec = EncoderSpec(model=snakemake.params.model, **snakemake.params.spec)
    encode = CachedEncoder(spec, batch_size=encoding.batch_size, precision=encoding.precision, threads=snakemake.threads)
    with naming_files(snakemake.input.questions, snakemake.input.qrels):  # e.g. no question with a gold passage
        run_greedy_attack(
            questions=read_questions(snakemake.input.questions, languages=[w.lang]),
            qrels=read_qrels(snakemake.input.qrels),
            systems={system: snakemake.input[f"index~{system}"] for system in snakemake.params.systems},
            encode=encode,
            settings=settings,
            budgets=snakemake.params.budgets,
            search_settings=snakemake.params.search._asdict(),
            outputs={name: path for name, path in snakemake.output.items()
                     if name != "summary" and not name.startswith((VECTORS, IDS))},
            summary_path=snakemake.output.summary,
            context={"backbone": w.backbone, "regime": w.regime, "lang": w.lang},
            log=log,
        )
    log.info("encoded %d distinct texts", encode.encoded)
    # The query vectors for search: the same function as for every other query set (encode_queries rule)
    for name, path in snakemake.output.items():
        if name.startswith(VECTORS):
            query_set = name.removeprefix(VECTORS)
            with counting_truncation() as truncated:
                count = encode_queries(attacked_run_queries(snakemake.output[query_set]), path, spec,
                                       batch_size=encoding.batch_size, precision=encoding.precision,
                                       threads=snakemake.threads, progress=False)
            log.info("%s: encoded %d queries for search", query_set, count)
            log.info("%s", truncated.describe(snakemake.output[query_set], "queries"))
