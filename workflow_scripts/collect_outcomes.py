"""Rule collect_outcomes: one long table of per-query outcomes (and standard measures) for the dataset."""

import pandas as pd

from xqg.file_errors import read_csv
from xqg.files import atomic_path
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    for name in ("outcomes", "measures"):
        frames = [read_csv(path, dtype={"qid": str}) for path in snakemake.input[name]]
        table = pd.concat(frames, ignore_index=True)
        table.insert(0, "dataset", snakemake.params.dataset)
        with atomic_path(snakemake.output[name]) as tmp:
            table.to_csv(tmp, index=False)
        log.info("%s: %d rows from %d files", snakemake.output[name], len(table), len(frames))
