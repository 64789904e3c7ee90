"""Rule collect_search_recall: every system's recall against exact search, as CSV (long) and Markdown (by language)."""

import pandas as pd

from xqg.file_errors import read_csv
from xqg.files import atomic_open, atomic_path
from xqg.reporting.tables import to_markdown
from xqg.rule_logging import rule_log
from xqg.search_recall import recall_summary

with rule_log(snakemake.log[0]) as log:
    table = pd.concat([read_csv(path, dtype={"k": str, "alpha": str}) for path in snakemake.input], ignore_index=True)
    table.insert(0, "dataset", snakemake.params.dataset)
    with atomic_path(snakemake.output.csv) as tmp:
        table.to_csv(tmp, index=False)
    sizes = ", ".join(f"{lang} {n}" for lang, n in table.groupby("lang", sort=False)["queries"].first().items())
    index = ", ".join(table["index"].unique())
    caption = (f"Recall of the approximate index {index} against exact inner-product search (IndexFlatIP): "
               f"share of the exact top c that the approximate top c also holds, on sampled clean dev queries ({sizes}).")
    with atomic_open(snakemake.output.md) as handle:
        handle.write(to_markdown(recall_summary(table, snakemake.params.languages), caption, digits=3))
    log.info("%d rows from %d systems", len(table), len(snakemake.input))
