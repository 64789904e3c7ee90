"""Device and precision choice, decided at run time: the same config runs on a laptop CPU and a GPU."""

from __future__ import annotations

import functools

import torch


def resolve_device(device: str = "auto") -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


@functools.cache
def cpu_supports_bf16() -> bool:
    """True when the CPU has native bf16 matrix units (AVX-512 BF16 or AMX), where bf16 autocast pays off.

    Without them torch emulates bf16 and is slower than fp32, so "auto" falls back to fp32.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            flags = handle.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_precision(precision: str = "auto", device: torch.device | None = None) -> str:
    """'auto' -> fp16 on CUDA, bf16 on a CPU with bf16 units, fp32 otherwise."""
    device = device or resolve_device()
    if precision != "auto":
        if precision == "fp16" and device.type != "cuda":
            raise ValueError("fp16 needs a CUDA device; use bf16 or fp32 on CPU")
        return precision
    if device.type == "cuda":
        return "fp16"
    return "bf16" if cpu_supports_bf16() else "fp32"
