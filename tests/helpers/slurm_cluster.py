"""A real SLURM cluster for the tests: the one already running, or the one-node cluster that
profiles/slurm/local_cluster.sh starts (as root, where slurm-wlm and munge are installed)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from tests.helpers.paths import ROOT

LOCAL_CLUSTER = ROOT / "profiles" / "slurm" / "local_cluster.sh"


def node_states() -> list[str]:
    """The states of the cluster's nodes (empty where no controller answers)."""
    if shutil.which("sinfo") is None:
        return []
    result = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=30)
    return result.stdout.split() if result.returncode == 0 else []


def cluster_available() -> bool:
    """True if a cluster answers, or :func:`slurm_cluster` can start one."""
    running = {"idle", "mixed"} & set(node_states())
    return bool(running) or (os.geteuid() == 0 and shutil.which("slurmctld") is not None and shutil.which("munged") is not None)


@contextmanager
def slurm_cluster() -> Iterator[str | None]:
    """Yields None with a cluster ready (stopped afterwards if started here), else the reason there is none."""
    if "idle" in node_states() or "mixed" in node_states():
        yield None
        return
    if shutil.which("slurmctld") is None or shutil.which("munged") is None:
        yield "no SLURM cluster and slurm-wlm/munge are not installed (profiles/slurm/local_cluster.sh install, as root)"
        return
    if os.geteuid() != 0:
        yield "no SLURM cluster, and starting one (profiles/slurm/local_cluster.sh start) needs root"
        return
    started = subprocess.run([str(LOCAL_CLUSTER), "start"], capture_output=True, text=True, timeout=120)
    if started.returncode != 0:
        yield f"profiles/slurm/local_cluster.sh start failed: {started.stderr.strip()[-500:]}"
        return
    try:
        yield None
    finally:
        subprocess.run([str(LOCAL_CLUSTER), "stop"], capture_output=True, timeout=120)


def running_jobs() -> dict[str, str]:
    """{SLURM job id: its comment (the Snakemake executor writes 'rule_RULE_wildcards_...')} of running jobs."""
    result = subprocess.run(["squeue", "-h", "-t", "RUNNING", "-o", "%i|%k"], capture_output=True, text=True, timeout=30)
    return dict(line.split("|", 1) for line in result.stdout.splitlines() if "|" in line)
