"""Benchmark: the fixed costs of the scoring rules (evaluate, greedy_attack, robustness), ours against
the reference each replaced, in the same run. Three rows, each ``ours``, ``reference`` and their ratio
(reference / ours, > 1: ours is faster); the geometric mean of the three is printed last as ``ratio: X``.

- import: ``xqg.word_tokenize`` (NLTK's two tokenizer modules alone) against ``import nltk`` (its
  package init, which loads scipy.stats and scikit-learn where installed), each in a fresh interpreter;
- read a run: ``xqg.formats.read_trec_run`` against the same parser fed by a line-by-line binary
  decoder (what ``_lines`` did before), on a synthetic TREC run of the rehearsal's size;
- pair two systems: ``_paired_by_query`` against a pandas outer merge per cell (what
  ``robustness._comparison_cell`` did before), over the rehearsal's count of cells.

    .venv/bin/python benchmarks/bench_scoring_overheads.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

from xqg import formats
from xqg.reporting.robustness import _paired_by_query

RUN_LINES = 141_000  # one language's run of one rehearsal system: 564 queries x 250 passages
CELLS = 8_064  # comparison cells of the full study's rehearsal
QUERIES_PER_CELL = 24


def best_of(repeats: int, run) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def fresh_import(statement: str) -> None:
    subprocess.run([sys.executable, "-c", statement], check=True)


def binary_lines(path):
    """The reference reader: binary mode, one decode per line."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.decode("utf-8")
            if number == 1 and line.startswith("\ufeff"):
                line = line[1:]
            line = line.rstrip("\r\n")
            if line.strip():
                yield number, line


def merge_pairing(plain: pd.DataFrame, xqg: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    pair = plain[["qid", "drop"]].merge(xqg[["qid", "drop"]], on="qid", how="outer", suffixes=("_plain", "_xqg"),
                                        indicator=True)
    if (pair["_merge"] != "both").any():
        raise ValueError("different queries")
    return pair["drop_plain"].to_numpy(), pair["drop_xqg"].to_numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = []

    rows.append(("import the word tokenizer",
                 best_of(args.repeats, lambda: fresh_import("import xqg.word_tokenize")),
                 best_of(args.repeats, lambda: fresh_import("import nltk"))))

    with tempfile.TemporaryDirectory() as folder:
        run = Path(folder) / "run.trec"
        rng = np.random.default_rng(0)
        with open(run, "w", encoding="utf-8") as handle:
            for i in range(RUN_LINES):
                handle.write(f"ar-{i // 250} Q0 {i * 7919 % 10**7} {i % 250 + 1} {rng.random():.6f} xqg\n")
        ours = best_of(args.repeats, lambda: formats.read_trec_run(run))
        expected = formats.read_trec_run(run)
        with mock.patch.object(formats, "_lines", binary_lines):
            reference = best_of(args.repeats, lambda: formats.read_trec_run(run))
            assert formats.read_trec_run(run) == expected, "the two readers disagree"
        rows.append((f"read a TREC run of {RUN_LINES:,} lines", ours, reference))

    rng = np.random.default_rng(1)
    cells = []
    for _ in range(CELLS):
        ids = [f"q{n}" for n in rng.permutation(QUERIES_PER_CELL)]
        plain = pd.DataFrame({"qid": ids, "drop": rng.random(len(ids))})
        cells.append((plain, plain.sample(frac=1, random_state=0).assign(drop=rng.random(len(ids)))))
    for plain, xqg in cells[:100]:
        assert all((a == b).all() for a, b in zip(_paired_by_query(plain, xqg, "drop", "cell"), merge_pairing(plain, xqg)))
    ours = best_of(1, lambda: [_paired_by_query(p, x, "drop", "cell") for p, x in cells])
    reference = best_of(1, lambda: [merge_pairing(p, x) for p, x in cells])
    rows.append((f"pair two systems in {CELLS:,} cells", ours, reference))

    for name, ours, reference in rows:
        print(f"{name:40s} ours {ours:7.3f} s  reference {reference:7.3f} s  ratio {reference / ours:5.2f}")
    print(f"ratio: {math.exp(np.mean([math.log(r / o) for _, o, r in rows])):.2f}")


if __name__ == "__main__":
    main()
