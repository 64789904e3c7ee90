"""The report holds the study: every table and figure the README's "Outputs" table lists, and the
validated configuration, are report() outputs with a category, a subcategory and a caption; and they
are exactly final_outputs(), what `snakemake` builds by default. Read from the rules (Snakemake's API,
in a subprocess) and the DAG (a forced dry run), so no study has to run: the built report itself is
checked by tests/workflow/test_end_to_end.py::test_report_holds_the_study."""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import ROOT
from tests.helpers.snakemake_runner import dry_run_jobs

# README rows that are not tables or figures: runs, data, vectors, models, and the report itself
NOT_IN_REPORT = ("runs/", "data/", "vectors/", "models/", "generators/", "results/report.html")

# Loads the workflow as `snakemake` does and lists every rule output pattern with its report() flag.
_RULES = r"""
import json, sys
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.io import get_flag_value, is_flagged
from snakemake.settings.types import ConfigSettings, ResourceSettings

snakefile, configfile, out = sys.argv[1:4]
with SnakemakeApi() as api:
    workflow = api.workflow(resource_settings=ResourceSettings(), snakefile=Path(snakefile), workdir=Path.cwd(),
                            config_settings=ConfigSettings(configfiles=[Path(configfile)]))._workflow
    outputs = []
    for rule in workflow.rules:
        for item in rule.output:
            flag = get_flag_value(item, "report") if is_flagged(item, "report") else None
            outputs.append({"rule": rule.name, "regex": item.regex().pattern, "report": None if flag is None else {
                "caption": None if flag.caption is None else (flag.caption.get_path_or_uri(secret_free=True)
                                                              if hasattr(flag.caption, "get_path_or_uri") else str(flag.caption)),
                "category": flag.category, "subcategory": flag.subcategory}})
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"final_outputs": workflow.globals["final_outputs"](), "outputs": outputs}, handle)
"""


def readme_outputs() -> list[str]:
    """The file patterns of the README's Outputs table (first column, braces expanded), as globs under
    results/<dataset>/; rows in NOT_IN_REPORT left out."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Outputs\n", 1)[1].split("\n## ", 1)[0]
    patterns = []
    for row in section.splitlines():
        if not row.startswith("| `"):
            continue
        for name in re.findall(r"`([^`]+)`", row.split("|")[1]):
            if name.startswith(NOT_IN_REPORT):
                continue
            match = re.search(r"\{([^}]*)\}", name)
            variants = [name[: match.start()] + choice + name[match.end():] for choice in match.group(1).split(",")] if match else [name]
            patterns += [re.sub(r"<[^>]+>", "*", variant) for variant in variants]
    assert patterns, "no outputs found in the README's Outputs table"
    return patterns


def _study(config: Path, workdir: Path) -> dict:
    """The rules' outputs with their report flags, final_outputs(), and the DAG's concrete outputs by rule."""
    listing = workdir / "rules.json"
    result = subprocess.run([sys.executable, "-c", _RULES, str(ROOT / "Snakefile"), str(config), str(listing)],
                            cwd=workdir, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    study = json.loads(listing.read_text(encoding="utf-8"))
    study["jobs"] = dry_run_jobs("--configfile", str(config), cwd=workdir)
    flagged = {}
    for job in study["jobs"]:
        for path in job["output"]:
            patterns = [o for o in study["outputs"] if o["rule"] == job["rule"] and re.match(o["regex"], path)]
            assert patterns, f"{path}: no output pattern of rule {job['rule']} matches it"
            flagged[path] = patterns[0]["report"]
    study["flagged"] = flagged  # every concrete output -> its report() settings, or None
    return study


@pytest.fixture(scope="module")
def studies(tmp_path_factory) -> dict[str, dict]:
    """The embedded default, and the full study with an approximate index (search_recall) and its reference table."""
    full = (ROOT / "config" / "xor_tydi.yaml").read_text(encoding="utf-8")
    assert full.count("  index: flat") == 1
    ivf = tmp_path_factory.mktemp("configs") / "ivf.yaml"
    ivf.write_text(full.replace("  index: flat", "  index: ivf"), encoding="utf-8")
    return {name: _study(config, tmp_path_factory.mktemp(name)) for name, config in
            (("embedded", ROOT / "config.yaml"), ("full", ivf))}


def _report_files(study: dict) -> set[str]:
    return {path for path, flag in study["flagged"].items() if flag is not None}


def test_final_outputs_are_exactly_the_report(studies):
    for name, study in studies.items():
        final = set(study["final_outputs"])
        assert len(final) == len(study["final_outputs"]), name
        assert final - _report_files(study) == set(), f"{name}: final outputs not in the report"
        assert _report_files(study) - final == set(), f"{name}: report files that `snakemake` does not build by default"


def test_every_output_the_readme_lists_is_in_the_report(studies):
    seen = set()
    for pattern in readme_outputs():
        for name, study in studies.items():
            dataset_dir = next(iter(study["final_outputs"])).split("/")[:2]  # results/<dataset>
            glob = "/".join(dataset_dir + [pattern])
            matching = [path for path in study["flagged"] if fnmatch.fnmatchcase(path, glob)]
            missing = [path for path in matching if study["flagged"][path] is None]
            assert not missing, f"README lists {pattern}, but {missing} are not in the {name} report"
            if matching:
                seen.add(pattern)
    unseen = [pattern for pattern in readme_outputs() if pattern not in seen]
    assert not unseen, f"README lists outputs that no configuration writes: {unseen}"


def test_every_report_item_has_a_category_subcategory_and_caption(studies):
    captions = set()
    for name, study in studies.items():
        for path in _report_files(study):
            flag = study["flagged"][path]
            assert flag["category"], f"{path}: no category"
            assert flag["subcategory"] or flag["category"] == "Configuration", f"{path}: no subcategory"
            assert flag["caption"] and Path(flag["caption"]).is_file(), f"{path}: caption {flag['caption']} missing"
            captions.add(Path(flag["caption"]).resolve())
    unused = {p.resolve() for p in (ROOT / "report").glob("*.rst")} - captions - {(ROOT / "report" / "workflow.rst").resolve()}
    assert not unused, f"captions no report item uses: {sorted(map(str, unused))}"


def test_the_report_holds_the_validated_configuration(studies):
    for study in studies.values():
        config = [path for path in _report_files(study) if path.endswith("/config.validated.yaml")]
        assert len(config) == 1 and study["flagged"][config[0]]["category"] == "Configuration"


def test_readme_outputs_parser():
    patterns = readme_outputs()
    for expected in ("table1.csv", "table1.tex", "table1.scores.csv", "table1.reference_delta.*", "robustness_by_group.*",
                     "generated/*/quality.md", "attacks/validity_sample.csv", "attacks/adversarial_summary.csv",
                     "config.validated.yaml", "outcomes.csv", "k_sweep.pdf"):
        assert expected in patterns, expected
    assert not any(p.startswith(NOT_IN_REPORT) for p in patterns)
    assert len(set(itertools.chain(patterns))) == len(patterns)
