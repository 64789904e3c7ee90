"""Batches of similar length: padding to a batch's longest member costs compute in every layer, so the
encoders (:mod:`xqg.encoding`, :mod:`xqg.onnx_encoder`) and query generation (:mod:`xqg.generation.sampling`)
group texts by token count first."""

from __future__ import annotations

from collections.abc import Sequence


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Positions grouped into batches of similar length, longest first (so any memory error comes early)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
