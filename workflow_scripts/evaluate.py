"""Rule evaluate: per-query outcomes of one system, per language, for every query set it searched.

One job per system: the corpus, questions and qrels are read once for all languages; each language's
run is scored on its own (its own tokeniser cache, as one job per language would)."""

from xqg.file_errors import naming_files
from xqg.formats import iter_passages, read_qrels, read_questions, read_trec_run, trec_run_passage_ids
from xqg.rule_logging import rule_log
from xqg.scoring import score_run

OUTCOMES, MEASURES, RUN = "outcomes~", "measures~", "run~"

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.evaluation  # xqg.settings.sections.EvaluationSettings
    languages = [name.removeprefix(OUTCOMES) for name in snakemake.output.keys() if name.startswith(OUTCOMES)]
    # only the passages the runs rank (the whole corpus would be ~17 GB of text at 18M passages)
    ranked = set().union(*(trec_run_passage_ids(snakemake.input[f"{RUN}{lang}"]) for lang in languages))
    passages = {p.id: p.text for p in iter_passages(snakemake.input.corpus) if p.id in ranked}
    log.info("%d ranked passages of the corpus loaded", len(passages))
    qrels = read_qrels(snakemake.input.qrels)
    questions = read_questions(snakemake.input.questions, languages=languages)
    system = {
        "backbone": snakemake.wildcards.backbone,
        "regime": snakemake.wildcards.regime,
        "generator": snakemake.wildcards.generator,
        "k": int(snakemake.wildcards.k),
        "alpha": float(snakemake.wildcards.alpha),
    }
    for lang in languages:
        run_path = snakemake.input[f"{RUN}{lang}"]
        with naming_files(run_path, snakemake.input.qrels):  # e.g. a judged query the run does not rank
            outcomes, measures = score_run(
                read_trec_run(run_path),
                [q for q in questions if q.lang == lang],
                passages,
                qrels,
                token_budgets=settings.token_budgets,
                missing=settings.missing_prediction,
                measures=settings.measures,
                source=run_path,
            )
        for table in (outcomes, measures):
            for position, (column, value) in enumerate(system.items()):
                table.insert(position, column, value)
        outcomes.to_csv(snakemake.output[f"{OUTCOMES}{lang}"], index=False)
        measures.to_csv(snakemake.output[f"{MEASURES}{lang}"], index=False)
        log.info("%s: %d per-query outcomes, %d measured queries", lang, len(outcomes), len(measures))
