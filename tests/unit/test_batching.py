"""xqg.batching: batches of similar length, longest first."""

from __future__ import annotations

import pytest

from xqg.batching import length_sorted_batches


def test_length_sorted_batches():
    assert length_sorted_batches([3, 9, 1, 5, 9], 2) == [[1, 4], [3, 0], [2]]
    assert length_sorted_batches([], 4) == []
    with pytest.raises(ValueError):
        length_sorted_batches([1], 0)
