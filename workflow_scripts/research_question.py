"""Rule research_question: xQG against multilingual fine-tuning, clean and under attack, by resource class;
whether that depends on the resource level; and robustness_summary.md, opening with the answer."""

from pathlib import Path

import pandas as pd

from xqg.file_errors import naming_files
from xqg.files import atomic_open
from xqg.reporting import interaction
from xqg.reporting.answer import answer
from xqg.reporting.outcomes import read_outcomes
from xqg.reporting.research_question import (
    DEFENCES, HEADLINE, caption, comparison_table, headline, paired_values, plot_research_question,
)
from xqg.reporting.robustness_report import robustness_summary
from xqg.reporting.tables import write_table
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    statistics = snakemake.params.statistics  # xqg.settings.sections.StatisticsSettings
    tests = dict(correction=statistics.correction, n_resamples=statistics.bootstrap_resamples, seed=statistics.seed)
    with naming_files(snakemake.input.outcomes):  # an error about the outcomes names the file
        pairs = paired_values(read_outcomes(snakemake.input.outcomes), k=snakemake.params.k, alpha=snakemake.params.alpha,
                              defence_regimes=snakemake.params.defence_regimes,
                              noisy_sources=snakemake.params.noisy_sources)
        table = comparison_table(pairs, **tests)
        # whether the effect depends on the resource level: asked of xQG, not of the defences
        interactions = interaction.interaction_table(pairs[~pairs["defence"]], **tests)
    # the CSV holds every row; Markdown and LaTeX the headline rows (clean, all rule attacks), the defences' too
    table.to_csv(snakemake.output.full, index=False)
    shown = headline(table, (HEADLINE, DEFENCES)).drop(columns=["token_budget", "correction"])
    if (shown["family"] == HEADLINE).all():  # no defence configured
        shown = shown.drop(columns="family")
    write_table(shown, Path(snakemake.output.md).with_suffix(""),
                caption(table) + " Shown: clean and all rule attacks at the smallest budgets; every attack in "
                "research_question.full.csv.")
    write_table(interactions.drop(columns=["token_budget", "a_system", "b_system", "correction"]),
                Path(snakemake.output.interaction_md).with_suffix(""), interaction.caption(interactions))
    plot_research_question(table, snakemake.output.png, snakemake.output.pdf)
    with naming_files(snakemake.input.robustness):
        detail = robustness_summary(pd.read_csv(snakemake.input.robustness))
    with atomic_open(snakemake.output.summary) as handle:
        handle.write(answer(table, interactions) + "\n" + detail)
    log.info("research question: %d rows, %d headline rows, %d interaction rows", len(table), len(shown),
             len(interactions))
