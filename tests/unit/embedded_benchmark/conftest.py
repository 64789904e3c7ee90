"""Fixtures of the embedded benchmark tests: one small benchmark (tests.helpers.embedded_benchmark.SMALL),
generated in memory and written to files, shared by the package's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.embedded_benchmark import SMALL
from xqg.embedded_benchmark import build_embedded_benchmark, generate_embedded_benchmark


@pytest.fixture(scope="package")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("embedded")
    build_embedded_benchmark(out, seed=13, **SMALL)
    return out


@pytest.fixture(scope="package")
def benchmark():
    return generate_embedded_benchmark(seed=13, **SMALL)
