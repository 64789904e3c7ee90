"""Rule table1: the paper's Table 1 (R@kt per language, with significance) from per-query outcomes."""

from pathlib import Path

from xqg.file_errors import naming_files
from xqg.reporting.outcomes import read_outcomes
from xqg.reporting.tables import table1, write_table1
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    statistics = snakemake.params.statistics  # xqg.settings.sections.StatisticsSettings
    labels = snakemake.params.labels  # xqg.settings.sections.LabelSettings
    with naming_files(snakemake.input.outcomes):  # an error about the outcomes names the file
        result = table1(
            read_outcomes(snakemake.input.outcomes),
            k=snakemake.params.k,
            alpha=snakemake.params.alpha,
            test=statistics.test,
            correction=statistics.correction,
            reference=snakemake.params.reference,
            backbone_labels=labels.backbones,
            generator_labels=labels.generators,
        )
    stem = Path(snakemake.output.csv).with_suffix("")
    paths = write_table1(result, stem)
    log.info("Table 1:\n%s\nwrote %s", result.display.to_string(), ", ".join(map(str, paths)))
