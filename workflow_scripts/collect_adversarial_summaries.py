"""Concatenate per-language CSV tables (named inputs -> named outputs of the same name)."""

import pandas as pd

from xqg.file_errors import read_csv
from xqg.files import atomic_path
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    for name in snakemake.output.keys():
        frames = [read_csv(path, encoding="utf-8-sig") for path in snakemake.input[name]]
        table = pd.concat(frames, ignore_index=True)
        with atomic_path(snakemake.output[name]) as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8-sig")  # a BOM: spreadsheets then read non-Latin scripts right
        log.info("%s: %d rows from %d files", snakemake.output[name], len(table), len(frames))
