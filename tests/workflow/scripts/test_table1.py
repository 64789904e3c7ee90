"""workflow_scripts/table1.py run in-process as Snakemake runs it:
errors about the outcomes name the file."""

from __future__ import annotations

import pytest

from tests.helpers.script_runner import Job, NamedList, record, run_script
from xqg.reporting.outcomes import OUTCOME_COLUMNS


def test_table_rules_name_the_outcomes_file(tmp_path):
    outcomes = tmp_path / "outcomes.csv"
    row = {"dataset": "ci", "backbone": "b", "regime": "zero-shot", "generator": "none", "k": 0, "alpha": 0.0, "lang": "fi",
           "query_set": "typo~1", "attack_budget": 1, "sample": 0, "qid": "q1", "token_budget": 50, "hit": 1,
           "top_jaccard": 1.0}
    outcomes.write_text(",".join(OUTCOME_COLUMNS) + "\n" + ",".join(str(row[c]) for c in OUTCOME_COLUMNS) + "\n",
                        encoding="utf-8")  # no clean query set
    job = Job(input=NamedList(outcomes=str(outcomes)), log=NamedList(str(tmp_path / "table1.log")),
              output=NamedList(csv=str(tmp_path / "table1.csv")),
              params=NamedList(k=2, alpha=0.01, statistics=record(test="mcnemar", correction="holm"), reference=None,
                               labels=record(backbones=None, generators=None)))
    with pytest.raises(ValueError, match=rf"^{outcomes}: "):
        run_script("table1", job)
