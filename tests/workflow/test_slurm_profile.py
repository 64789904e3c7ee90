"""What the SLURM executor submits for each GPU rule of the full study, rendered without a cluster.

Snakemake runs config/xor_tydi.yaml with the workflow profile profiles/slurm, targeting one job per GPU
rule, with stand-ins for the SLURM client commands first on PATH (tests/slurm_stubs/slurm.sh): sbatch
records its arguments and refuses the job, so each job is rendered once and the run ends in seconds.
The expected requests below are copied by hand from the profile's set-resources (sbatch -t is minutes).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from tests.helpers.paths import ROOT
from tests.helpers.snakemake_runner import SNAKEMAKE

pytest.importorskip("snakemake_executor_plugin_slurm", reason="snakemake-executor-plugin-slurm is not installed")

PLUGIN_VERSION = metadata.version("snakemake-executor-plugin-slurm")
pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="the sbatch stand-in is a POSIX shell script"),
    pytest.mark.skipif(
        not PLUGIN_VERSION.startswith("2."),
        reason=f"written against the sbatch flags of snakemake-executor-plugin-slurm 2.x, found {PLUGIN_VERSION}",
    ),
]

FULL_STUDY = ROOT / "config" / "xor_tydi.yaml"
PROFILE = ROOT / "profiles" / "slurm"
STUB = Path(__file__).with_name("slurm_stubs") / "slurm.sh"
SLURM_COMMANDS = ("sbatch", "sacct", "squeue", "sinfo", "scontrol", "sacctmgr", "sshare", "scancel")

R = "results/xor_tydi"
LANGUAGES = ("ar", "bn", "fi", "ja", "ko", "ru", "te")
VECTORS = f"{R}/vectors/mbert/fine-tuned"

# The full study uses the released pretrained generator; train_generator runs only for a trained one,
# so this overlay adds the paper's recipe (the commented example in config/xor_tydi.yaml).
TRAINED_GENERATOR = {
    "generators": {
        "mt5-trained": {
            "type": "trained",
            "architecture": "seq2seq",
            "base": "google/mt5-base",
            "prompt_style": "text",
            "training": {"learning_rate": 1.0e-4, "batch_size": 32, "max_steps": 2000},
        }
    }
}

# One output per GPU rule. The encoders read the fine-tuned mBERT model, which is made here as an
# existing input, so the retriever trained is another one (zero-shot XLM-R).
GPU_TARGETS = {
    "train_retriever": f"{R}/models/xlmr/zero-shot",
    "train_generator": f"{R}/generators/mt5-trained/model",
    "generate_queries": f"{R}/generated/mt5/shard~0.jsonl",
    "encode_passages": f"{VECTORS}/passages/shard~0.npy",
    "encode_generated_queries": f"{VECTORS}/generated_sums/mt5/shard~1.npy",
    "encode_queries": f"{VECTORS}/queries/ar/clean.npy",
    "back_translate_queries": f"{R}/attacks/bn/back_translation~1.jsonl",
    "neighbour_lexicon": f"{R}/attacks/bn/neighbour_lexicon.tsv",
}

# rule: (GPUs, CPUs per GPU, memory in MB, time limit in minutes), from profiles/slurm set-resources.
GPU_REQUESTS = {
    "train_retriever": ("1", "8", "64000", "2880"),
    "train_generator": ("1", "8", "64000", "1440"),
    "generate_queries": ("1", "8", "32000", "1440"),
    "encode_passages": ("1", "8", "32000", "720"),
    "encode_generated_queries": ("1", "8", "32000", "720"),
    "encode_queries": ("1", "8", "16000", "60"),
    "back_translate_queries": ("1", "8", "32000", "240"),
    "neighbour_lexicon": ("1", "8", "16000", "60"),
}


@dataclass(frozen=True)
class Submission:
    """One recorded sbatch call."""

    argv: list[str]

    def values(self, flag: str) -> list[str]:
        """Values of `flag value` and `flag=value` arguments, in order."""
        found = []
        for i, arg in enumerate(self.argv):
            if arg == flag and i + 1 < len(self.argv):
                found.append(self.argv[i + 1])
            elif arg.startswith(flag + "="):
                found.append(arg[len(flag) + 1:])
        return found

    def value(self, flag: str) -> str | None:
        values = self.values(flag)
        assert len(values) <= 1, f"{flag} given {len(values)} times: {self.argv}"
        return values[0] if values else None

    @property
    def line(self) -> str:
        """The call without its --wrap (the job's command), for messages."""
        return shlex.join(["sbatch", *(arg for arg in self.argv if not arg.startswith("--wrap"))])

    @property
    def rule(self) -> str:
        comment = self.value("--comment")
        assert comment and comment.startswith("rule_"), f"no rule_<name> comment: {self.argv}"
        return comment[len("rule_"):].split("_wildcards_")[0]

    @property
    def job_command(self) -> list[str]:
        """The Snakemake command the job runs (sbatch --wrap)."""
        wrap = self.value("--wrap")
        assert wrap is not None, f"no --wrap: {self.argv}"
        return shlex.split(wrap)


@dataclass(frozen=True)
class Run:
    workdir: Path
    submissions: dict[str, Submission]  # by rule
    log: str


def _touch(path: Path, mtime: float, text: str = "x\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))


def _existing_inputs(workdir: Path) -> None:
    """Stand-ins for what the GPU jobs read, each newer than what it is made from and than the
    workflow's scripts (else Snakemake would plan the upstream jobs too)."""
    newest_script = max(path.stat().st_mtime for path in (ROOT / "workflow_scripts").rglob("*.py"))
    t0 = max(time.time(), newest_script) + 60  # a script edited while this test runs stays older
    data = [
        "corpus.tsv", "questions.dev.jsonl", "questions.train.jsonl", "qrels.dev.tsv", "qrels.train.tsv",
        "generator_pairs.train.jsonl", "generator_pairs.dev.jsonl", "english_train.jsonl", "README.md",
    ]
    for name in data:
        _touch(workdir / R / "data" / name, t0)
    for name in ("xor-tydi-eng_span-train.jsonl.gz", "nq-train.jsonl.gz"):  # Tevatron's sets: train_retriever's data
        _touch(workdir / "resources" / "xor_tydi" / name, t0)
    for split in ("multilingual", "english"):
        _touch(workdir / R / "data" / f"hard_negatives.{split}.json", t0 + 60)
    model = workdir / R / "models" / "mbert" / "fine-tuned"
    _touch(model / "model.safetensors", t0 + 60)
    os.utime(model, (t0 + 60, t0 + 60))
    attacks = yaml.safe_load(FULL_STUDY.read_text(encoding="utf-8"))["attacks"]
    attack_outputs = [f"{a}~{b}.jsonl" for a in attacks["names"] for b in attacks["budgets"]]
    attack_outputs += [f"back_translation~{b}.jsonl" for b in attacks["model_paraphrase"]["budgets"]]
    # encode_queries is one job per encoder over every language's query sets
    for lang in LANGUAGES:
        _touch(workdir / R / "attacks" / lang / "neighbour_lexicon.tsv", t0 + 30)  # read by attack_queries
        for name in [*attack_outputs, "summary.csv", "validity_sample.csv"]:
            _touch(workdir / R / "attacks" / lang / name, t0 + 60)
    _touch(workdir / R / "generated" / "mt5" / "shard~1.jsonl", t0 + 60)
    for suffix in (".npy", ".ids.txt"):
        _touch(workdir / VECTORS / "passages" / f"shard~1{suffix}", t0 + 120)


def _submit(workdir: Path, *args: str, tag: str = "") -> Run:
    """Run Snakemake with the SLURM profile and the stand-in commands; return the recorded sbatch calls."""
    bin_dir, record_dir = workdir / f"slurm_bin{tag}", workdir / f"sbatch_calls{tag}"
    bin_dir.mkdir()
    record_dir.mkdir()
    stub = bin_dir / "slurm.sh"
    shutil.copyfile(STUB, stub)
    stub.chmod(0o755)
    for command in SLURM_COMMANDS:
        (bin_dir / command).symlink_to(stub.name)
    env = {
        key: value
        for key, value in os.environ.items()
        # a real SLURM job or profile in the environment would change what is rendered
        if not key.startswith(("SLURM_", "SBATCH_", "SNAKEMAKE_"))
    }
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", SLURM_STUB_DIR=str(record_dir),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    command = [
        *SNAKEMAKE, "--directory", str(workdir), "--snakefile", str(ROOT / "Snakefile"),
        "--workflow-profile", str(PROFILE),
        # every submission is refused: no resubmission, and submit all jobs whatever fails first
        "--retries", "0", "--keep-going", "--slurm-init-seconds-before-status-checks", "1",
        *args,
    ]
    result = subprocess.run(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=240)
    log = result.stdout + result.stderr
    calls = [Submission(path.read_bytes().decode().split("\0")[:-1]) for path in sorted(record_dir.glob("*.argv"))]
    assert calls, f"sbatch was never called (exit {result.returncode}):\n{log[-6000:]}"
    by_rule = {call.rule: call for call in calls}
    assert len(by_rule) == len(calls), f"a rule was submitted twice: {[c.rule for c in calls]}"
    return Run(workdir, by_rule, log)


@pytest.fixture(scope="module")
def full_study(tmp_path_factory) -> Run:
    workdir = tmp_path_factory.mktemp("slurm_full_study")
    _existing_inputs(workdir)
    overlay = workdir / "trained_generator.yaml"
    overlay.write_text(yaml.safe_dump(TRAINED_GENERATOR), encoding="utf-8")
    config = ("--configfile", str(FULL_STUDY), str(overlay))
    # back_translate_queries and neighbour_lexicon write inputs of the attacked query sets that encode_queries
    # reads (one job per encoder over every language's query sets): submitted in a second run, once their
    # Bengali outputs are gone
    later = ("back_translate_queries", "neighbour_lexicon")
    first = _submit(workdir, *config, "--", *(t for r, t in GPU_TARGETS.items() if r not in later))
    for path in [*(workdir / R / "attacks" / "bn").glob("back_translation*"), workdir / GPU_TARGETS["neighbour_lexicon"]]:
        path.unlink()
    second = _submit(workdir, *config, "--", *(GPU_TARGETS[r] for r in later), tag="_later")
    assert not set(first.submissions) & set(second.submissions), "a rule was submitted in both runs"
    return Run(workdir, {**first.submissions, **second.submissions}, first.log + second.log)


def test_one_submission_per_gpu_rule(full_study):
    assert sorted(full_study.submissions) == sorted(GPU_TARGETS), full_study.log[-4000:]


@pytest.mark.parametrize("rule", sorted(GPU_REQUESTS))
def test_gpu_rule_requests(full_study, rule):
    sbatch = full_study.submissions[rule]
    rendered = tuple(sbatch.value(flag) for flag in ("--gpus", "--cpus-per-gpu", "--mem", "-t"))
    assert rendered == GPU_REQUESTS[rule], sbatch.line
    # one way of asking for GPUs and CPUs: --gres next to --gpus, or --cpus-per-task next to
    # --cpus-per-gpu, would be contradictory or replace the per-GPU request
    for flag in ("--gres", "--cpus-per-task", "--mem-per-cpu", "--ntasks-per-gpu"):
        assert sbatch.values(flag) == [], sbatch.line


@pytest.mark.parametrize("rule", sorted(GPU_REQUESTS))
def test_partition_and_account_are_left_to_the_cluster(full_study, rule):
    sbatch = full_study.submissions[rule]
    for flag in ("-p", "--partition", "-A", "--account", "--qos", "--clusters", "-C", "--constraint"):
        assert sbatch.values(flag) == [], sbatch.line


@pytest.mark.parametrize("rule", sorted(GPU_REQUESTS))
def test_job_reruns_its_rule_with_the_full_study_config(full_study, rule):
    sbatch = full_study.submissions[rule]
    job = sbatch.job_command
    assert sbatch.value("-D") == str(full_study.workdir)
    assert job[job.index("--allowed-rules") + 1] == rule
    assert job[job.index("--configfiles") + 1] == str(FULL_STUDY)
    assert job[job.index("--executor") + 1] == "slurm-jobstep"


def _threads(log: str, rule: str) -> int:
    """The threads Snakemake gives a job, from its job summary (`rule NAME:` ... `threads: N`; Snakemake
    prints no threads line for a one-thread job, e.g. training with its default of 1)."""
    block = re.search(rf"^rule {rule}:\n((?:    .*\n)*)", log, re.MULTILINE)
    assert block, f"no job summary for rule {rule} in the Snakemake log"
    match = re.search(r"^    threads: (\d+)$", block.group(1), re.MULTILINE)
    return int(match.group(1)) if match else 1


@pytest.mark.parametrize("rule", sorted(GPU_REQUESTS))
def test_gpu_job_gets_a_cpu_for_every_thread(full_study, rule):
    sbatch = full_study.submissions[rule]
    cpus = int(sbatch.value("--cpus-per-gpu")) * int(sbatch.value("--gpus"))
    assert cpus >= _threads(full_study.log, rule)


def test_command_line_partition_and_account_keep_the_profile_defaults(tmp_path):
    """The recipe in the profile's header: partition and account on the command line reach sbatch, a GPU
    rule keeps its set-resources and a rule without resources keeps the profile's defaults."""
    recipe = re.search(r"^#\s+(--default-resources .*)$", (PROFILE / "config.yaml").read_text(encoding="utf-8"),
                       re.MULTILINE)
    assert recipe, "profiles/slurm/config.yaml no longer shows a --default-resources example"
    _existing_inputs(tmp_path)
    (tmp_path / R / "attacks" / "bn" / "summary.csv").unlink()  # attack_queries for Bengali: a CPU rule
    run = _submit(tmp_path, "--configfile", str(FULL_STUDY), *shlex.split(recipe.group(1)), "--",
                  GPU_TARGETS["generate_queries"], f"{R}/attacks/bn/summary.csv")
    assert sorted(run.submissions) == ["attack_queries", "generate_queries"]
    for sbatch in run.submissions.values():
        assert (sbatch.value("-p"), sbatch.value("-A")) == ("gpu", "myproject"), sbatch.line
    gpu = run.submissions["generate_queries"]
    rendered = tuple(gpu.value(flag) for flag in ("--gpus", "--cpus-per-gpu", "--mem", "-t"))
    assert rendered == GPU_REQUESTS["generate_queries"], gpu.line
    # attack_queries names no resources: the profile's defaults, and one CPU for its one thread
    cpu = run.submissions["attack_queries"]
    rendered = tuple(cpu.value(flag) for flag in ("--mem", "-t", "--cpus-per-task", "--ntasks"))
    assert rendered == ("8000", "60", "1", "1"), cpu.line
    assert cpu.values("--gpus") == [], cpu.line
