"""Every file a rule reads is a declared output of the rule that writes it: a vector set NAME.npy travels
with NAME.ids.txt (and, for generated queries and their sums, NAME.counts.npy and NAME.layout.json) as outputs of its
producer and inputs of its readers, so that Snakemake rebuilds a missing one instead of a job failing on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.paths import CONFIGS, ROOT
from tests.helpers.snakemake_runner import dry_run_jobs, planned_jobs, snakemake

CI = str(CONFIGS / "ci.yaml")
FULL = str(ROOT / "config" / "xor_tydi.yaml")
VECTORS = "results/ci/vectors/me5-small/zero-shot"


def _siblings(npy: str) -> list[str]:
    stem = npy.removesuffix(".npy")
    if "/generated/" in npy or "/generated_sums/" in npy:  # generated-query vectors or sums (xqg.vectors.generated_paths)
        return [f"{stem}.ids.txt", f"{stem}.counts.npy", f"{stem}.layout.json"]
    return [f"{stem}.ids.txt"]


def _vector_sets(paths: list[str]) -> list[str]:
    return [p for p in paths if p.endswith(".npy") and not p.endswith(".counts.npy")]


@pytest.mark.parametrize("config", [CI, FULL], ids=["ci", "full"])
def test_vector_sets_are_declared_with_their_ids(config, tmp_path):
    jobs = dry_run_jobs("--configfile", config, cwd=tmp_path)
    assert jobs
    writers = readers = 0
    for job in jobs:
        for direction in ("output", "input"):
            files = set(job[direction])
            for npy in _vector_sets(job[direction]):
                missing = [f for f in _siblings(npy) if f not in files]
                assert not missing, f"rule {job['rule']}: {direction} {npy} without {missing}"
                writers += direction == "output"
                readers += direction == "input"
    assert writers and readers
    # the rules that write and read vector sets all take part
    rules = {job["rule"] for job in jobs if _vector_sets(job["output"]) or _vector_sets(job["input"])}
    assert {"encode_passages", "encode_queries", "encode_generated_queries", "fuse_passage_embeddings", "greedy_attack",
            "search"} <= rules


@pytest.fixture(scope="module")
def finished_looking_study(tmp_path_factory) -> Path:
    """The ci study's every output as a stub, in DAG order, marked up to date (--touch): nothing left to do."""
    workdir = tmp_path_factory.mktemp("stub_study")
    for job in dry_run_jobs("--configfile", CI, cwd=workdir):
        for name in job["output"]:
            path = workdir / name
            if "." not in path.name:  # directory outputs: models, backbones
                path.mkdir(parents=True, exist_ok=True)
                (path / "stub").write_text("x", encoding="utf-8")
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("x", encoding="utf-8")
    snakemake("--touch", "--cores", "1", "--configfile", CI, cwd=workdir)
    assert planned_jobs("--configfile", CI, cwd=workdir) == {}
    return workdir


DELETED = {
    # file -> the rule that writes it, and a rule that reads it
    f"{VECTORS}/queries/fi/typo~1.ids.txt": ("encode_queries", "search"),
    f"{VECTORS}/queries/fi/greedy@neural~1.ids.txt": ("greedy_attack", "search"),
    f"{VECTORS}/passages/shard~0.ids.txt": ("encode_passages", "search"),
    f"{VECTORS}/fused/template/k~2/alpha~0.01/shard~0.ids.txt": ("fuse_passage_embeddings", "search"),
    f"{VECTORS}/generated_sums/neural/shard~0.counts.npy": ("encode_generated_queries", "fuse_passage_embeddings"),
    f"{VECTORS}/generated_sums/neural/shard~0.layout.json": ("encode_generated_queries", "fuse_passage_embeddings"),
}


@pytest.mark.parametrize("deleted", list(DELETED))
def test_a_deleted_ids_file_is_rebuilt_by_its_producer(deleted, finished_looking_study, tmp_path):
    workdir = tmp_path / "study"
    shutil.copytree(finished_looking_study, workdir, symlinks=True)  # mtimes kept
    (workdir / deleted).unlink()
    producer, reader = DELETED[deleted]
    # asked for, the file has a producer (an undeclared one has none: "no rule to produce" it)
    assert planned_jobs("--configfile", CI, "--", deleted, cwd=workdir) == {producer: 1}
    # a job that reads it and has to run (here: every job of the reader's rule, forced) gets it rebuilt
    # first, rather than failing on the missing file. (With nothing to rerun, Snakemake leaves a missing
    # intermediate file alone, as it does a deleted temp() file.)
    jobs = planned_jobs("--configfile", CI, "--forcerun", reader, cwd=workdir)
    assert jobs.get(producer, 0) >= 1, jobs
