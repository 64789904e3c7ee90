"""Rule greedy_attack: greedy black-box attack of each main system of one encoder, in every language,
then the query vectors of the sets it wrote (the model is loaded once for all of it).

Each language is attacked exactly as a job of its own would (its own text cache, the same seeds)."""

from xqg.attacks.greedy_systems import CachedEncoder, GreedySettings, run_greedy_attack
from xqg.encoder_spec import EncoderSpec
from xqg.file_errors import naming_files
from xqg.formats import read_qrels, read_questions
from xqg.query_sets import attacked_run_queries
from xqg.rule_logging import rule_log
from xqg.truncation import counting_truncation
from xqg.vector_encoding import encode_queries

# Output names: LANG/SET (attacked queries), vectors~LANG/SET and ids~LANG/SET (their query vectors and
# the ids file beside them), summary~LANG.
VECTORS, IDS, SUMMARY = "vectors~", "ids~", "summary~"

with rule_log(snakemake.log[0]) as log:
    w = snakemake.wildcards
    settings = GreedySettings.from_config(snakemake.params.greedy._asdict())
    encoding = snakemake.params.encoding  # xqg.settings.sections.EncodingSettings
    spec = EncoderSpec(model=snakemake.params.model, **snakemake.params.spec)
    languages = [name.removeprefix(SUMMARY) for name in snakemake.output.keys() if name.startswith(SUMMARY)]
    qrels = read_qrels(snakemake.input.qrels)
    questions = read_questions(snakemake.input.questions, languages=languages)
    for lang in languages:
        encode = CachedEncoder(spec, **encoding.options(snakemake.threads))
        with naming_files(snakemake.input.questions, snakemake.input.qrels):  # e.g. no question with a gold passage
            run_greedy_attack(
                questions=[q for q in questions if q.lang == lang],
                qrels=qrels,
                systems={system: snakemake.input[f"index~{system}"] for system in snakemake.params.systems},
                encode=encode,
                settings=settings,
                budgets=snakemake.params.budgets,
                search_settings=snakemake.params.search._asdict(),
                outputs={name.split("/", 1)[1]: path for name, path in snakemake.output.items()
                         if name.startswith(f"{lang}/")},
                summary_path=snakemake.output[f"{SUMMARY}{lang}"],
                context={"backbone": w.backbone, "regime": w.regime, "lang": lang},
                log=log,
            )
        log.info("%s: encoded %d distinct texts", lang, encode.encoded)
    # The query vectors for search: the same function as for every other query set (encode_queries rule)
    for name, path in snakemake.output.items():
        if name.startswith(VECTORS):
            query_set = name.removeprefix(VECTORS)  # LANG/SET
            with counting_truncation() as truncated:
                count = encode_queries(attacked_run_queries(snakemake.output[query_set]), path, spec,
                                       **encoding.options(snakemake.threads), progress=False)
            log.info("%s: encoded %d queries for search", query_set, count)
            log.info("%s", truncated.describe(snakemake.output[query_set], "queries"))
