"""Rule adversarial_transfer: the greedy attack's adaptive and transfer R@kt, source x target system."""

from pathlib import Path

from xqg.file_errors import naming_files
from xqg.reporting.transfer import write_transfer_table
from xqg.reporting.outcomes import read_outcomes
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    stem = Path(snakemake.output.csv).with_suffix("")
    with naming_files(snakemake.input.outcomes):  # an error about the outcomes names the file
        scores = write_transfer_table(read_outcomes(snakemake.input.outcomes), stem, k=snakemake.params.k,
                                      alpha=snakemake.params.alpha)
    log.info("transfer table: %d rows", len(scores))
