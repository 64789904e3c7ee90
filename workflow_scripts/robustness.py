"""Rule robustness: clean vs attacked effectiveness per language, attack and system, with paired tests."""

from pathlib import Path

from xqg.file_errors import naming_files
from xqg.reporting.outcomes import read_outcomes
from xqg.reporting.robustness_report import write_robustness_report
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    statistics = snakemake.params.statistics  # xqg.settings.sections.StatisticsSettings
    with naming_files(snakemake.input.outcomes):  # an error about the outcomes names the file
        table = write_robustness_report(
            read_outcomes(snakemake.input.outcomes),
            Path(snakemake.output.csv).parent,
            k=snakemake.params.k,
            alpha=snakemake.params.alpha,
            correction=statistics.correction,
            n_resamples=statistics.bootstrap_resamples,
            seed=statistics.seed,
            summary="summary" in snakemake.output.keys(),  # else rule research_question writes it
        )
    log.info("robustness table: %d rows", len(table))
