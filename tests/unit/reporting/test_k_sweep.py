"""xqg.reporting.k_sweep: the k and alpha sweep table and figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tests.helpers.outcome_tables import clean_rows
from xqg.reporting.k_sweep import alpha_sweep_figure, k_sweep_figure, sweep_table


def sweep_outcomes() -> pd.DataFrame:
    """ar and fi, 20 queries each. Plain: 5 + 5 hits. k=1: +1 hit each (not significant); k=8: all hits."""
    def hits(n):
        return [1] * n + [0] * (20 - n)
    rows = clean_rows({"ar": hits(5), "fi": hits(5)})
    rows += clean_rows({"ar": hits(6), "fi": hits(6)}, generator="neural", k=1, alpha=0.01)
    rows += clean_rows({"ar": hits(20), "fi": hits(20)}, generator="neural", k=8, alpha=0.01)
    rows += clean_rows({"ar": hits(7), "fi": hits(7)}, generator="neural", k=8, alpha=0.1)  # alpha sweep
    return pd.DataFrame(rows)


def test_sweep_table_scores_and_significance():
    table = sweep_table(sweep_outcomes(), parameter="k", k=8, alpha=0.01)
    assert table["value"].tolist() == [0.0, 1.0, 8.0]
    assert table["score"].tolist() == [25.0, 30.0, 100.0]
    assert table["significant"].tolist() == [False, False, True]
    assert math.isnan(table["p_value"].iloc[0])
    alphas = sweep_table(sweep_outcomes(), parameter="alpha", k=8, alpha=0.01)
    assert alphas["value"].tolist() == [0.0, 0.01, 0.1]
    assert alphas["score"].tolist() == [25.0, 100.0, 35.0]


def test_sweep_figures_are_written_and_reproducible(tmp_path):
    outputs = []
    for run in ("a", "b"):
        folder = tmp_path / run
        k_sweep_figure(sweep_outcomes(), out_png=folder / "k.png", out_pdf=folder / "k.pdf", alpha=0.01,
                       out_csv=folder / "k_sweep.csv")
        alpha_sweep_figure(sweep_outcomes(), out_png=folder / "a.png", out_pdf=folder / "a.pdf", k=8)
        outputs.append({p.name: p.read_bytes() for p in sorted(folder.iterdir())})
    assert sorted(outputs[0]) == ["a.pdf", "a.png", "k.pdf", "k.png", "k_sweep.csv"]
    assert all(len(data) > 1000 for name, data in outputs[0].items() if name != "k_sweep.csv")
    assert outputs[0] == outputs[1]
    assert np.allclose(pd.read_csv(tmp_path / "a" / "k_sweep.csv")["score"], [25.0, 30.0, 100.0])
