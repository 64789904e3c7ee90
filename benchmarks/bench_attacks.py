"""Benchmark: every rule-based attack on all 2110 real XOR-TyDi dev questions, 10 samples each, at
budgets 1 and 2 (chrF included). Prints applicability per attack and language and, last,
``ratio: X`` with X = 120 s / measured seconds (>= 1 means the full attack grid fits in two minutes).

    .venv/bin/python benchmarks/bench_attacks.py [--budgets 1 2] [--samples 10]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from xqg.attacks import ATTACKS, attack_query_set, attack_set_summary
from xqg.formats import read_questions
from xqg.languages import LANGUAGES

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "xor_tydi" / "xor_dev_retrieve_eng_span_v1_1.jsonl"
REFERENCE_SECONDS = 120.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=DEV)
    parser.add_argument("--budgets", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if not args.questions.exists():
        sys.exit(f"{args.questions} not found (the real XOR-TyDi dev questions live in ../shared/data/xor_tydi/)")
    questions = read_questions(args.questions)
    start, cpu_start = time.perf_counter(), time.process_time()
    table: dict[tuple[str, int], dict] = {}
    for name in ATTACKS:
        for budget in args.budgets:
            t0 = time.perf_counter()
            records = attack_query_set(questions, name, budget, args.samples, seed=13)
            table[name, budget] = attack_set_summary(records)
            print(f"{name:16s} b={budget} {len(records)} records in {time.perf_counter() - t0:6.1f} s", flush=True)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(f"\n{len(questions)} questions x {len(ATTACKS)} attacks x budgets {args.budgets} x {args.samples} samples: "
          f"{seconds:.1f} s wall clock, {cpu_seconds:.1f} s CPU (one process; the gap is other load on the machine)")
    print("applicability (share of queries changed in at least one sample), budget", args.budgets[0])
    print(f"{'attack':16s} " + " ".join(f"{lang:>5s}" for lang in LANGUAGES) + "   mean chrF")
    for name in ATTACKS:
        summary = table[name, args.budgets[0]]
        rates = " ".join(f"{summary[lang].applicability:5.2f}" if lang in summary else "    -" for lang in LANGUAGES)
        changed = [s.mean_chrf for s in summary.values() if s.changed_rate > 0]
        print(f"{name:16s} {rates}   {sum(changed) / len(changed) if changed else float('nan'):6.1f}")
    print(f"ratio: {REFERENCE_SECONDS / seconds:.2f}")


if __name__ == "__main__":
    main()
