"""Rule collect_attack_summaries: every language's attack summary and validity sample in one table each.

Summary rows of attacks that ran get status "ran"; an attack left out of the DAG (back_translation
without an MT model) gets one "skipped" row per language with the reason, so the report shows coverage.
"""

import pandas as pd

from xqg.file_errors import read_csv
from xqg.files import atomic_path
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    for name in ("summary", "validity"):
        table = pd.concat([read_csv(path, encoding="utf-8-sig") for path in snakemake.input[name]], ignore_index=True)
        if name == "summary":
            table["status"], table["reason"] = "ran", ""
            skipped = [
                {"attack": attack, "lang": lang, "status": "skipped", "reason": reason}
                for attack, reason in snakemake.params.skipped.items()
                for lang in snakemake.params.languages
            ]
            for attack, reason in snakemake.params.skipped.items():
                log.warning("%s skipped: %s", attack, reason)
            if skipped:
                table = pd.concat([table, pd.DataFrame(skipped)], ignore_index=True)
        with atomic_path(snakemake.output[name]) as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8-sig")  # a BOM: spreadsheets then read non-Latin scripts right
        log.info("%s: %d rows from %d files", snakemake.output[name], len(table), len(snakemake.input[name]))
