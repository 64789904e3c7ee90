"""xqg.reporting.transfer: the greedy attack's adaptive rows and transfer table (hand-checked numbers)."""

from __future__ import annotations

import pytest

from tests.helpers.outcome_tables import transfer_outcomes
from xqg.reporting.transfer import adaptive_attack_rows, transfer_display, transfer_scores, write_transfer_table


def test_transfer_table_by_hand(tmp_path):
    scores = transfer_scores(transfer_outcomes(), k=5, alpha=0.01)
    cell = scores.set_index(["lang", "source", "target"])
    # fi, crafted against none: on none clean 100 (q1, q2; q5 was not attacked) -> 50; on mt5 clean 50 -> 50
    assert cell.loc[("fi", "none", "none"), ["clean", "attacked", "drop"]].tolist() == [100, 50, 50]
    assert cell.loc[("fi", "none", "mt5"), ["clean", "attacked", "drop"]].tolist() == [50, 50, 0]
    assert cell.loc[("ru", "mt5", "none"), ["clean", "attacked", "drop"]].tolist() == [50, 0, 50]
    # macro averages over fi and ru
    assert cell.loc[("avg", "none", "none"), ["clean", "attacked", "drop"]].tolist() == [75, 25, 50]
    assert cell.loc[("avg", "mt5", "none"), ["clean", "attacked", "drop"]].tolist() == [75, 50, 25]
    assert cell.loc[("avg", "mt5", "mt5"), ["clean", "attacked", "drop"]].tolist() == [75, 25, 50]
    assert cell.loc[("avg", "none", "mt5"), "n_queries"] == 4 and cell.loc[("avg", "none", "mt5"), "n_languages"] == 2
    assert scores.loc[scores["adaptive"], ["source"]].eq(scores.loc[scores["adaptive"], ["target"]].to_numpy()).all().all()
    display = transfer_display(scores)
    assert display.columns.tolist()[-3:] == ["crafted against", "standard", "+xQG (mt5)"]
    assert display.set_index("crafted against").loc["+xQG (mt5)", "standard"] == "50.00 (-25.00)"
    assert display.set_index("crafted against").loc["standard", "+xQG (mt5)"] == "75.00 (+0.00)"
    write_transfer_table(transfer_outcomes(), tmp_path / "adversarial_transfer", k=5, alpha=0.01)
    assert "diagonal is the adaptive attack" in (tmp_path / "adversarial_transfer.md").read_text(encoding="utf-8")
    assert (tmp_path / "adversarial_transfer.tex").exists() and (tmp_path / "adversarial_transfer.csv").exists()


def test_transfer_table_needs_adversarial_sets():
    outcomes = transfer_outcomes()
    with pytest.raises(ValueError, match="no adversarial query sets"):
        transfer_scores(outcomes[outcomes["query_set"] == "clean"], k=5, alpha=0.01)


def test_adaptive_rows_keep_each_system_on_its_own_set():
    kept = adaptive_attack_rows(transfer_outcomes())
    attacked = kept[kept["query_set"] != "clean"]
    assert set(attacked["query_set"]) == {"greedy"}
    own = attacked.set_index(["lang", "generator", "qid"])["hit"]
    assert own[("fi", "none", "q1")] == 0 and own[("fi", "mt5", "q2")] == 0 and own[("ru", "mt5", "q4")] == 1
    assert len(attacked) == 8  # 4 attacked questions x 2 systems, transfers left out
    assert adaptive_attack_rows(kept[kept["query_set"] == "clean"]).equals(kept[kept["query_set"] == "clean"])
