"""Fixtures of the reporting tests."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers.outcome_tables import ALPHA, K, outcomes
from xqg.reporting.robustness import robustness_table


@pytest.fixture(scope="package")
def table() -> pd.DataFrame:
    """The robustness table of the hand-counted outcomes (tests.helpers.outcome_tables.outcomes)."""
    return robustness_table(outcomes(), k=K, alpha=ALPHA, n_resamples=500)
