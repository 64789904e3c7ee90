"""Rule evaluate: per-query outcomes of one system and language for every query set it searched."""

from xqg.file_errors import naming_files
from xqg.formats import iter_passages, read_qrels, read_questions, read_trec_run
from xqg.rule_logging import rule_log
from xqg.scoring import score_run

with rule_log(snakemake.log[0]) as log:
    lang = snakemake.wildcards.lang
    settings = snakemake.params.evaluation  # xqg.settings.sections.EvaluationSettings
    with naming_files(snakemake.input.run, snakemake.input.qrels):  # e.g. a judged query the run does not rank
        outcomes, measures = score_run(
            read_trec_run(snakemake.input.run),
            read_questions(snakemake.input.questions, languages=[lang]),
            {p.id: p.text for p in iter_passages(snakemake.input.corpus)},
            read_qrels(snakemake.input.qrels),
            token_budgets=settings.token_budgets,
            missing=settings.missing_prediction,
            measures=settings.measures,
            source=snakemake.input.run,
        )
    system = {
        "backbone": snakemake.wildcards.backbone,
        "regime": snakemake.wildcards.regime,
        "generator": snakemake.wildcards.generator,
        "k": int(snakemake.wildcards.k),
        "alpha": float(snakemake.wildcards.alpha),
    }
    for table in (outcomes, measures):
        for position, (column, value) in enumerate(system.items()):
            table.insert(position, column, value)
    outcomes.to_csv(snakemake.output.outcomes, index=False)
    measures.to_csv(snakemake.output.measures, index=False)
    log.info("%d per-query outcomes, %d measured queries", len(outcomes), len(measures))
