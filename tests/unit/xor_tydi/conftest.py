"""Fixtures of the XOR-TyDi tests: the real question files (skipped when ../shared is absent) and a
synthetic world built around them (a corpus with planted gold chunks, the gold-paragraph zip, an NQ file)."""

from __future__ import annotations

import pytest

from tests.helpers.paths import SHARED_XOR_TYDI, XOR_DEV, XOR_TRAIN
from tests.helpers.xor_world import build_world
from xqg.xor_tydi.xor_questions import read_xor_questions

SHARED = SHARED_XOR_TYDI
DEV_FILE = XOR_DEV
TRAIN_FILE = XOR_TRAIN


@pytest.fixture(scope="package")
def real_questions():
    if not DEV_FILE.exists() or not TRAIN_FILE.exists():
        pytest.skip(f"real XOR-TyDi question files not found in {SHARED}")
    return read_xor_questions(DEV_FILE), read_xor_questions(TRAIN_FILE)


@pytest.fixture(scope="package")
def world(tmp_path_factory, real_questions):
    (dev, _), (train, _) = real_questions
    return build_world(tmp_path_factory.mktemp("world"), dev, train, dev_file=DEV_FILE, train_file=TRAIN_FILE)
