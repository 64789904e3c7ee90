"""Cache keys are derived from what each rule's script imports: checked against an independent import
scanner (the standard library's modulefinder), and for every package module by editing it."""

from __future__ import annotations

import modulefinder
import shutil
from pathlib import Path

import pytest

from xqg.code_keys import code_key, import_closure

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOT = ROOT / "src"
SCRIPTS = sorted((ROOT / "workflow_scripts").glob("*.py"))
MODULES = sorted(p for p in (SOURCE_ROOT / "xqg").rglob("*.py") if "__pycache__" not in p.parts)


def modulefinder_closure(script: Path, source_root: Path) -> set[Path]:
    """The package files modulefinder sees SCRIPT import (only the package is on its path, so
    third-party imports are recorded as missing rather than scanned)."""
    finder = modulefinder.ModuleFinder(path=[str(source_root)])
    finder.run_script(str(script))
    files = {Path(m.__file__) for name, m in finder.modules.items() if name.split(".")[0] == "xqg" and m.__file__}
    return {f.resolve() for f in files}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_closure_matches_modulefinder(script):
    ours = {p.resolve() for p in import_closure(script, SOURCE_ROOT)}
    assert ours == modulefinder_closure(script, SOURCE_ROOT)
    assert ours, f"{script.name} imports nothing from xqg"


def test_every_script_is_a_rule_script():
    rules = "\n".join(p.read_text() for p in (ROOT / "rules").glob("*.smk"))
    for script in SCRIPTS:
        assert f"rule {script.stem}:" in rules, f"{script.name} is not named after a rule"


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory):
    copy = tmp_path_factory.mktemp("src")
    shutil.copytree(SOURCE_ROOT / "xqg", copy / "xqg", ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture(scope="module")
def oracle_closures(source_copy):
    return {s.stem: modulefinder_closure(s, source_copy) for s in SCRIPTS}


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.relative_to(SOURCE_ROOT).as_posix())
def test_editing_a_module_changes_exactly_the_keys_of_its_importers(module, source_copy, oracle_closures):
    """For every package module: an edit changes the key of every script that imports it, directly or
    not (by modulefinder), and of no other script."""
    def keys():
        code_key.cache_clear()
        return {s.stem: code_key(s, source_copy) for s in SCRIPTS}

    edited = source_copy / module.relative_to(SOURCE_ROOT)
    before = keys()
    original = edited.read_bytes()
    try:
        edited.write_bytes(original + b"\n# an edit\n")
        after = keys()
    finally:
        edited.write_bytes(original)
        code_key.cache_clear()
    changed = {name for name in before if before[name] != after[name]}
    importers = {name for name, closure in oracle_closures.items() if edited.resolve() in closure}
    assert changed == importers
