"""workflow_scripts/collect_outcomes.py run in-process as Snakemake runs it:
an unreadable table is an error naming it."""

from __future__ import annotations

import pytest

from tests.helpers.script_runner import Job, NamedList, run_script


def test_collect_rules_name_an_unreadable_table(tmp_path):
    good, empty = tmp_path / "a" / "outcomes.csv", tmp_path / "b" / "outcomes.csv"
    for path in (good, empty):
        path.parent.mkdir()
    good.write_text("qid,hit\nq1,1\n", encoding="utf-8")
    empty.write_text("", encoding="utf-8")  # e.g. a job killed while it wrote, outside the atomic writers
    job = Job(input=NamedList(outcomes=[str(good), str(empty)], measures=[str(good)]),
              output=NamedList(outcomes=str(tmp_path / "outcomes.csv"), measures=str(tmp_path / "measures.csv")),
              params=NamedList(dataset="ci"), log=NamedList(str(tmp_path / "collect.log")))
    with pytest.raises(ValueError, match=rf"^{empty}: "):
        run_script("collect_outcomes", job)
