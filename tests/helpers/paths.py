"""Paths the tests share: the repository, the test data and, when a ../shared folder sits next to the
repository, the real XOR-TyDi question files (tests that need them skip without it)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
DATA = TESTS / "data"
CONFIGS = TESTS / "configs"
ATTACK_EXAMPLES = DATA / "attack_examples.jsonl"

SHARED_XOR_TYDI = ROOT.parent / "shared" / "data" / "xor_tydi"
XOR_DEV = SHARED_XOR_TYDI / "xor_dev_retrieve_eng_span_v1_1.jsonl"
XOR_TRAIN = SHARED_XOR_TYDI / "xor_train_retrieve_eng_span.jsonl"
