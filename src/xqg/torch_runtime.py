"""Torch runtime helpers shared by every module that runs a model: device selection, compute precision
and autocast, the global RNG state, and checkpoint files (safe loading, atomic folder replacement).

One argument order throughout: the device comes first, then the precision or state that applies to it.

Precision: bf16 autocast on CPUs with native bf16 matmuls (AVX-512 BF16 or AMX), else fp32; bf16 (or
fp16 where bf16 is unsupported) autocast on CUDA. On a CPU without native bf16 (AVX2 only), bf16
matmuls are emulated and run ~50x slower than fp32, so "auto" never picks it there.

Checkpoints: :func:`load_state` is the one ``torch.load`` of the package and always passes
``weights_only=True`` (no pickled code runs); model weights themselves are read from safetensors by
``from_pretrained``. :func:`replace_folder` writes a checkpoint folder beside its target and swaps it
in with two renames, so an interrupted save never leaves a half-written checkpoint behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, Literal

import torch

log = logging.getLogger(__name__)

Precision = Literal["auto", "fp32", "bf16", "fp16"]
ResolvedPrecision = Literal["fp32", "bf16", "fp16"]
AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
CPU = torch.device("cpu")


# ----------------------------------------------------------------------------- devices and precision

def cpu_has_native_bf16(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> bool:
    """True if the CPU multiplies bf16 natively (AVX-512 BF16 or AMX-BF16), read from /proc/cpuinfo."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def resolve_device(device: str | None = "auto") -> torch.device:
    """The torch device for ``device``; "auto" (or None, or "") is CUDA when available, else the CPU."""
    if not device or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def resolve_precision(device: torch.device, precision: Precision) -> ResolvedPrecision:
    """Pick the compute precision on ``device``; "auto" takes the fastest one the hardware runs natively."""
    if precision not in ("auto", "fp32", "bf16", "fp16"):
        raise ValueError(f"unknown precision {precision!r}; expected auto, fp32, bf16 or fp16")
    if device.type == "cuda":
        if precision == "auto":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return precision
    if precision == "auto":
        return "bf16" if cpu_has_native_bf16() else "fp32"
    if precision == "fp16":
        raise ValueError("fp16 on CPU is emulated and slow; use precision 'fp32' or 'bf16'")
    if precision == "bf16" and not cpu_has_native_bf16():
        log.warning("this CPU has no native bf16 (avx512_bf16/amx_bf16): bf16 matmuls will be emulated and slow")
    return precision


def autocast(device: torch.device, precision: str, *, supported: Collection[str] = ("fp32", "bf16", "fp16")):
    """A context that runs ``precision`` on ``device``: nothing for fp32, else ``torch.autocast`` to bf16 or
    fp16. A precision outside ``supported`` (a caller's narrower set) is a ValueError."""
    if precision not in supported:
        names = [repr(name) for name in supported]
        expected = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        raise ValueError(f"unknown precision {precision!r}; expected {expected}")
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=AUTOCAST_DTYPES[precision])


# ----------------------------------------------------------------------------- random number generators

def capture_rng_state(device: torch.device) -> dict[str, Any]:
    """Torch's global RNG state: ``{"cpu": ...}``, plus ``"cuda"`` (one state per GPU) on a CUDA device."""
    state = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(device: torch.device, state: dict[str, Any]) -> None:
    """Put back a :func:`capture_rng_state` state (its CUDA part only on a CUDA device, and only if saved)."""
    torch.set_rng_state(state["cpu"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state_all(state["cuda"])


# ----------------------------------------------------------------------------- checkpoint files

def save_state(state: Any, path: str | os.PathLike) -> None:
    """Write optimiser/scheduler/RNG state (tensors and plain containers) with ``torch.save``.

    Written in place, not through a renamed temporary file: the archive inside a torch file is named
    after the file, so the bytes depend on its name. Atomicity comes from :func:`replace_folder`.
    """
    torch.save(state, path)


def load_state(path: str | os.PathLike, *, map_location: str | torch.device | None = None) -> Any:
    """Read a :func:`save_state` file; ``weights_only=True`` refuses anything but tensors and plain containers."""
    return torch.load(path, map_location=map_location, weights_only=True)


def old_folder(target: Path) -> Path:
    """Where :func:`replace_folder` keeps the previous ``target`` between its two renames."""
    return target.with_name(f".{target.name}.old")


def replace_folder(target: Path, build: Callable[[Path], None], *, tmp_suffix: str = ".tmp") -> None:
    """Write a folder atomically: ``build`` fills ``.NAME{tmp_suffix}`` beside ``target``, which is then
    swapped in with renames. A crash between the two renames leaves only :func:`old_folder` (complete)."""
    tmp, old = target.with_name(f".{target.name}{tmp_suffix}"), old_folder(target)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    build(tmp)
    if target.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
