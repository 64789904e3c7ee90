"""Lint: Snakemake's linter on the workflow, and safe loading checked in the source (every call site):
no remote code; model weights from safetensors, or through xqg.checkpoints (which checks a pickle with
torch's restricted unpickler first); torch.load only with weights_only=True."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers.paths import ROOT
from tests.helpers.snakemake_runner import snakemake


def test_lint_is_clean():
    result = snakemake("--lint", check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


SOURCES = sorted(p for folder in ("src", "workflow_scripts", "benchmarks") for p in (ROOT / folder).rglob("*.py"))
NOT_WEIGHTS = ("Tokenizer", "Config", "Processor")  # classes whose from_pretrained reads no weights
CHECKPOINTS = ROOT / "src" / "xqg" / "checkpoints.py"  # the one place that may load a checked pickle


def _calls(path: Path, name: str):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name:
            yield node


def _keyword(call: ast.Call, name: str):
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _is_true(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _receiver(call: ast.Call) -> str:
    return ast.unparse(call.func.value)


def test_the_source_has_call_sites_to_check():
    assert len(SOURCES) > 50
    assert sum(1 for path in SOURCES for _ in _calls(path, "from_pretrained")) >= 5


def test_no_remote_code_and_weights_only_from_safetensors_or_checked_pickles():
    violations = []
    for path in SOURCES:
        for call in _calls(path, "from_pretrained"):
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            remote = _keyword(call, "trust_remote_code")
            if not (remote is None or (isinstance(remote, ast.Constant) and remote.value is False)):
                violations.append(f"{where}: trust_remote_code")
            if path == CHECKPOINTS:
                if _keyword(call, "use_safetensors") is None:
                    violations.append(f"{where}: the checkpoint loader must choose the format")
            elif not any(kind in _receiver(call) for kind in NOT_WEIGHTS) and not _is_true(_keyword(call, "use_safetensors")):
                violations.append(f"{where}: model weights without use_safetensors=True (or xqg.checkpoints.from_pretrained)")
        for call in _calls(path, "load"):
            if _receiver(call) == "torch" and not _is_true(_keyword(call, "weights_only")):
                violations.append(f"{path.relative_to(ROOT)}:{call.lineno}: torch.load without weights_only=True")
    assert not violations, violations
