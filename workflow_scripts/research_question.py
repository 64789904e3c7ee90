"""Rule research_question: xQG against multilingual fine-tuning, clean and under attack, by resource class."""

from pathlib import Path

from xqg.file_errors import naming_files
from xqg.reporting.outcomes import read_outcomes
from xqg.reporting.research_question import caption, headline, plot_research_question, research_question_table
from xqg.reporting.tables import write_table
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    statistics = snakemake.params.statistics  # xqg.settings.sections.StatisticsSettings
    with naming_files(snakemake.input.outcomes):  # an error about the outcomes names the file
        table = research_question_table(
            read_outcomes(snakemake.input.outcomes),
            k=snakemake.params.k,
            alpha=snakemake.params.alpha,
            correction=statistics.correction,
            n_resamples=statistics.bootstrap_resamples,
            seed=statistics.seed,
        )
    # the CSV holds every row; Markdown and LaTeX the headline rows (clean, all rule attacks)
    table.to_csv(snakemake.output.full, index=False)
    shown = headline(table).drop(columns=["token_budget", "correction", "family"])
    write_table(shown, Path(snakemake.output.md).with_suffix(""),
                caption(table) + " Shown: clean and all rule attacks at the smallest budgets; every attack in "
                "research_question.full.csv.")
    plot_research_question(table, snakemake.output.png, snakemake.output.pdf)
    log.info("research question: %d rows, %d headline rows", len(table), len(shown))
