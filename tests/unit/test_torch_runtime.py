"""xqg.torch_runtime: native bf16 detection and the precision it resolves to."""

from __future__ import annotations

import pytest
import torch

from xqg.torch_runtime import cpu_has_native_bf16, resolve_precision


def test_precision_detection(tmp_path, monkeypatch):
    amx = tmp_path / "amx"
    amx.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f amx_bf16 amx_tile\n")
    avx2 = tmp_path / "avx2"
    avx2.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 fma\n")
    assert cpu_has_native_bf16(amx) and not cpu_has_native_bf16(avx2) and not cpu_has_native_bf16(tmp_path / "absent")
    cpu = torch.device("cpu")
    monkeypatch.setattr("xqg.torch_runtime.cpu_has_native_bf16", lambda: False)
    assert resolve_precision(cpu, "auto") == "fp32"
    monkeypatch.setattr("xqg.torch_runtime.cpu_has_native_bf16", lambda: True)
    assert resolve_precision(cpu, "auto") == "bf16"
    assert resolve_precision(cpu, "fp32") == "fp32"
    with pytest.raises(ValueError, match="fp16 on CPU"):
        resolve_precision(cpu, "fp16")
    with pytest.raises(ValueError, match="unknown precision"):
        resolve_precision(cpu, "int4")
