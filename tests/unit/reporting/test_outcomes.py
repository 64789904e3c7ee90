"""xqg.reporting.outcomes: metric names and the outcome reader."""

from __future__ import annotations

import pytest

from tests.helpers.outcome_tables import small_outcomes
from xqg.formats import InputFormatError
from xqg.reporting.outcomes import OUTCOME_COLUMNS, metric_name, read_outcomes


def test_metric_names():
    assert [metric_name(n) for n in (2000, 5000, 100, 1500)] == ["R@2kt", "R@5kt", "R@100t", "R@1500t"]


def test_read_outcomes_names_line_and_field(tmp_path):
    table = small_outcomes()
    path = tmp_path / "outcomes.csv"
    table.to_csv(path, index=False)
    assert len(read_outcomes(path)) == len(table)
    table.loc[3, "hit"] = 2
    table.to_csv(path, index=False)
    with pytest.raises(InputFormatError, match=r"line 5, field 'hit'"):
        read_outcomes(path)
    table.drop(columns="top_jaccard").to_csv(path, index=False)
    with pytest.raises(InputFormatError, match="top_jaccard"):
        read_outcomes(path)
    assert "top_jaccard" in OUTCOME_COLUMNS
