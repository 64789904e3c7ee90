"""Rule sweep_figures: average R@kt against k (the paper's Figure 2) and against alpha."""

from xqg.file_errors import naming_files
from xqg.reporting.k_sweep import alpha_sweep_figure, k_sweep_figure
from xqg.reporting.outcomes import read_outcomes
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    outcomes = read_outcomes(snakemake.input.outcomes)
    statistics = snakemake.params.statistics  # xqg.settings.sections.StatisticsSettings
    out = snakemake.output
    with naming_files(snakemake.input.outcomes):  # an error about the outcomes names the file
        k_table = k_sweep_figure(outcomes, out_png=out.k_png, out_pdf=out.k_pdf, out_csv=out.k_csv,
                                 alpha=snakemake.params.alpha, test=statistics.test, correction=statistics.correction)
        alpha_table = alpha_sweep_figure(outcomes, out_png=out.alpha_png, out_pdf=out.alpha_pdf, out_csv=out.alpha_csv,
                                         k=snakemake.params.k, test=statistics.test, correction=statistics.correction)
    log.info("k sweep:\n%s\nalpha sweep:\n%s", k_table.to_string(), alpha_table.to_string())
