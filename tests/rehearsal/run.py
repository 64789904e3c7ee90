"""The full study's rehearsal: build its inputs (tests/rehearsal/build_inputs.py), then run
config/xor_tydi.yaml with the overlay config/rehearsal.yaml on them, the Snakemake report included.

    python -m tests.rehearsal.run FOLDER [--cores N]      (make rehearse)

FOLDER is recreated: the rehearsal always runs the whole DAG from scratch.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers.paths import ROOT
from tests.rehearsal.build_inputs import build

CONFIGS = [ROOT / "config" / "xor_tydi.yaml", ROOT / "config" / "rehearsal.yaml"]


def snakemake_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
            "--configfile", *map(str, CONFIGS), *args]


def rehearse(folder: Path, cores: int = 2, timeout: float | None = None) -> float:
    """Build the inputs in FOLDER/inputs and run the whole study and its report there; returns the
    seconds the workflow took. Raises CalledProcessError (its output in FOLDER/rehearsal.log)."""
    if folder.exists():
        shutil.rmtree(folder)
    build(folder / "inputs")
    # offline, as the air-gapped clusters the rehearsal stands in for: a hub id here would be an error
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    start = time.monotonic()
    with open(folder / "rehearsal.log", "w", encoding="utf-8") as log:
        # --resources gpu: the full study's GPU rules each hold one of the workstation profile's GPUs; on a
        # CPU, as many may run at once as there are cores
        for args in (("--cores", str(cores), "--workflow-profile", str(ROOT / "profiles" / "local"),
                      "--resources", f"gpu={cores}"),
                     ("--report", "results/xor_tydi/report.html")):
            subprocess.run(snakemake_command(*args), cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                           check=True, timeout=timeout)
    return time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        seconds = rehearse(args.folder, args.cores)
    except subprocess.CalledProcessError:
        print(f"the rehearsal failed: see {args.folder / 'rehearsal.log'} and {args.folder / 'logs'}", file=sys.stderr)
        return 1
    print(f"the rehearsal of the full study ran in {seconds:.0f} s: outputs in {args.folder / 'results'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
