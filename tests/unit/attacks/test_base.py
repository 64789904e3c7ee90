"""xqg.attacks.base: the budget check and seeding that does not depend on the process or the order."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest

from tests.helpers.attack_examples import examples
from xqg.attacks import ATTACKS, attack_query_set


def test_budget_must_be_positive():
    with pytest.raises(ValueError, match="budget"):
        ATTACKS["typo"]("Milloin Jean Sibelius syntyi?", "fi", 0, random.Random(0))


def test_seeding_is_stable_across_processes_and_orders():
    code = "from xqg.attacks.base import derive_rng; print(derive_rng(13, 'typo', 1, '-1018987027025691298', 4).random())"
    values = {
        subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True).stdout
        for seed in ("0", "12345")
    }
    assert len(values) == 1
    questions = examples()
    forward = attack_query_set(questions, "typo", 1, 3, seed=5)
    backward = attack_query_set(questions[::-1], "typo", 1, 3, seed=5)
    assert sorted(forward, key=lambda r: (r.qid, r.sample)) == sorted(backward, key=lambda r: (r.qid, r.sample))
    assert forward != attack_query_set(questions, "typo", 1, 3, seed=6)
