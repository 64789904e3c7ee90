"""workflow_scripts/collect_attack_summaries.py run in-process as Snakemake runs it:
a skipped attack gets a row per language with its reason."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from tests.helpers.script_runner import run_script


def test_attack_summary_gets_a_skipped_row_per_language(tmp_path):
    summary, validity = tmp_path / "ar.summary.csv", tmp_path / "ar.validity.csv"
    summary.write_text("attack,budget,lang,queries,samples,applicability,changed_rate,mean_units_changed,mean_chrf\n"
                       "typo,1,ar,60,120,1.0,0.9,1.0,80.0\n", encoding="utf-8")
    validity.write_text("attack,budget,lang,qid\ntypo,1,ar,q1\n", encoding="utf-8")
    reason = "no MT model configured (attacks.model_paraphrase.model is null); none installs offline"
    fake = SimpleNamespace(
        input={"summary": [str(summary)], "validity": [str(validity)]},
        output={"summary": str(tmp_path / "summary.csv"), "validity": str(tmp_path / "validity.csv")},
        log=[str(tmp_path / "collect.log")],
        params=SimpleNamespace(skipped={"back_translation": reason}, languages=["ar", "te"]),
    )
    run_script("collect_attack_summaries", fake)
    table = pd.read_csv(tmp_path / "summary.csv", encoding="utf-8-sig", keep_default_na=False)
    assert table[["attack", "lang", "status"]].values.tolist() == [
        ["typo", "ar", "ran"], ["back_translation", "ar", "skipped"], ["back_translation", "te", "skipped"]]
    assert set(table.loc[table.status == "skipped", "reason"]) == {reason}
    assert f"back_translation skipped: {reason}" in (tmp_path / "collect.log").read_text(encoding="utf-8")
