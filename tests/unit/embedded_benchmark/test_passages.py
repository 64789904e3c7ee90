"""xqg.embedded_benchmark.passages: the prose helpers."""

from __future__ import annotations

from xqg.embedded_benchmark.passages import format_percent, join_names


def test_prose_helpers():
    assert join_names(["A"]) == "A" and join_names(["A", "B", "C"]) == "A, B and C"
    assert (format_percent(94.0), format_percent(0.81), format_percent(4.1)) == ("94%", "0.81%", "4.1%")
