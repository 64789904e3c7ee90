"""Fixtures shared by the whole suite.

Layout: ``tests/unit`` mirrors the package, ``tests/unit/<subpackage>/test_<module>.py`` for
``src/xqg/<subpackage>/<module>.py`` (``test_init.py`` for a subpackage's ``__init__.py``) and
``tests/unit/test_<module>.py`` for a top-level module; ``tests/workflow`` drives the workflow (dry runs,
lint, the SLURM profile, the report, declared files, the end-to-end run) and, in ``tests/workflow/scripts``,
runs each rule's script ``workflow_scripts/<rule>.py`` in-process as ``test_<rule>.py``. Helpers live in
``tests/helpers`` (imported as ``tests.helpers.<module>``), test data in ``tests/data`` and
``tests/configs``; fixtures used by one folder only are in that folder's ``conftest.py``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

# Plain asserts in the helpers (e.g. the attack invariants) report their values like a test's.
pytest.register_assert_rewrite("tests.helpers")

# One ONNX export cache for the whole session, inherited by the Snakemake runs the tests start: a second
# study (SLURM, killed and resumed) reuses the first one's exports of the same weights instead of
# exporting again (~10 s each). Safe: an export's key hashes the weights, the export settings and the
# library versions (xqg.onnx_encoder.export_key).
if "XQG_ONNX_CACHE" not in os.environ:
    os.environ["XQG_ONNX_CACHE"] = tempfile.mkdtemp(prefix="xqg-test-onnx-")
    atexit.register(shutil.rmtree, os.environ["XQG_ONNX_CACHE"], True)

# The workflow runs, longest first: make test hands whole modules to two pytest-xdist workers in this
# order (--dist loadscope --no-loadscope-reorder), so one worker runs the end-to-end study while the
# other runs the rehearsal, and the unit tests follow on whichever is free first.
SLOWEST_MODULES = ("test_end_to_end", "test_rehearsal")


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        module = getattr(item, "module", None)
        name = module.__name__.rsplit(".", 1)[-1] if module else ""
        return SLOWEST_MODULES.index(name) if name in SLOWEST_MODULES else len(SLOWEST_MODULES)

    items.sort(key=rank)  # stable: the order within each module is kept


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> str:
    """A 2-layer random BERT over tests.helpers.tiny_models.WORDS, built once per test module. (A module
    that needs another vocabulary defines its own ``tiny_bert``, which takes precedence.)"""
    from tests.helpers.tiny_models import save_tiny_bert

    return save_tiny_bert(tmp_path_factory.mktemp("bert"))


@pytest.fixture(scope="module")
def one_thread():
    """Tiny models are dominated by per-op overhead, which extra threads only add to on a busy 2-core machine.

    Modules ask for it with ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
