"""Helpers for tests that drive Snakemake as a user would (a subprocess in the repository root)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.helpers.paths import ROOT

SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def snakemake(*args: str, cwd: Path = ROOT, check: bool = True, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONHASHSEED": "0"}
    result = subprocess.run([*SNAKEMAKE, "--directory", str(cwd), "--snakefile", str(ROOT / "Snakefile"), *args],
                            capture_output=True, text=True, env=env, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result


def planned_jobs(*args: str, cwd: Path = ROOT) -> dict[str, int]:
    """Jobs per rule that a dry run would execute (empty when nothing is to be done)."""
    result = snakemake("--dry-run", "--quiet", "rules", *args, cwd=cwd)
    text = result.stdout + result.stderr
    counts: dict[str, int] = {}
    in_table = False
    for line in text.splitlines():
        if re.match(r"^\s*job\s+count\s*$", line):
            in_table = True
            continue
        if in_table:
            match = re.match(r"^\s*([A-Za-z_][\w]*)\s+(\d+)\s*$", line)
            if match and match.group(1) != "total":
                counts[match.group(1)] = int(match.group(2))
            elif match is None and line.strip() and not set(line.strip()) <= {"-", " "}:
                break
    return counts


def dry_run_jobs(*args: str, cwd: Path = ROOT) -> list[dict]:
    """Every job of the DAG (a forced dry run): [{"rule", "input": [...], "output": [...]}] from Snakemake's listing."""
    result = snakemake("--dry-run", "--forceall", *args, cwd=cwd)
    jobs: list[dict] = []
    for line in (result.stdout + result.stderr).splitlines():
        header = re.match(r"^(?:local)?rule (\w+):\s*$", line)
        if header:
            jobs.append({"rule": header.group(1), "input": [], "output": []})
            continue
        field = re.match(r"^\s+(input|output): (.*)$", line)
        if field and jobs:
            jobs[-1][field.group(1)] = [path.strip() for path in field.group(2).split(", ") if path.strip()]
    return jobs
