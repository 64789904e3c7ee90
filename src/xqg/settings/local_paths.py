"""Local files and folders named by the config must exist at start; hub ids are checked for their form.

Snakemake tracks a local model folder only where a rule lists it as input, and never a hub id: a
mistyped local path in a finished study would otherwise pass unnoticed ("Nothing to be done") or fail
hours later in a job. So every configured local path is checked before the DAG is built:

* data files (``data.xor_tydi.files.*.path``), released query shards (``generators.*.paths``) and attack
  resources (``attacks.resources``) are files that must exist;
* a backbone with ``source: local`` names a folder that must exist, one with ``source: hub`` a hub id;
* the other model references (``backbones.*.checkpoints.*``, ``generators.*.base`` and ``.model``,
  ``attacks.model_paraphrase.model`` and ``.similarity_model``) take either. An existing path is local. A
  value that reads as a path (``./x``, ``x/y/z``, a trailing ``/``, a first folder that exists here or is
  the results or resources folder) is a local folder that is missing. Anything else must have the form
  of a Hugging Face hub id, ``org/name`` (or a legacy bare ``name``), and is not looked up: that would
  need the network, and the job resolves it (from the cache when offline).

An existing local model folder must hold weights (safetensors, or ``pytorch_model.bin`` that torch's
restricted unpickler accepts: ``xqg.checkpoints``), so that a folder without weights, or with a pickle
that could run code, stops the run here, naming its config key, instead of inside a job.

Relative paths are resolved under the working directory, as Snakemake and the jobs resolve them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from xqg.checkpoints import weights_problem
from xqg.settings.config_paths import BACKBONE_REFERENCE, escapes_working_directory
from xqg.settings.problems import KeyPath, Problem

# huggingface_hub's repo id rule: [org/]name, word characters, '-' and '.', starting and ending with a
# word character, at most 96 characters a part, no '--' or '..'
HUB_PART = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?"
HUB_ID = re.compile(rf"^(?:{HUB_PART}/)?{HUB_PART}$")
HUB_FORM = "org/name: letters, digits, '_', '-' and '.'"


def is_hub_id(value: str) -> bool:
    return bool(HUB_ID.match(value)) and "--" not in value and ".." not in value and not value.endswith(".git")


def _reads_as_path(value: str, workdir: Path, local_roots: set[str]) -> bool:
    if value.startswith((".", "/", "~")) or "\\" in value or value.endswith("/") or value.count("/") >= 2:
        return True
    first = value.split("/", 1)[0]
    return "/" in value and (first in local_roots or (workdir / first).is_dir())


def _resolve(value: str, workdir: Path) -> Path:
    return workdir / value  # an absolute value stays absolute


def model_reference_problem(value: str, workdir: Path, local_roots: set[str]) -> str | None:
    """Why ``value`` is neither an existing local model folder nor a hub id, or None."""
    path = _resolve(value, workdir)
    if path.exists():
        return weights_problem(path) if path.is_dir() else f"{value!r} is a file; a local model is a folder"
    if _reads_as_path(value, workdir, local_roots):
        return f"no such local folder {value!r} (resolved under {workdir})"
    if is_hub_id(value):
        return None
    return f"{value!r} is neither a local folder nor a hub id ({HUB_FORM})"


def _file_problem(value: str, workdir: Path, what: str) -> str | None:
    path = _resolve(value, workdir)
    if path.is_file():
        return None
    if path.exists():
        return f"{value!r} is not a file ({what})"
    return f"no such file {value!r} ({what}; resolved under {workdir})"


def _section_value(section, key: str):
    return section.get(key) if isinstance(section, Mapping) else None


def _items(node: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(node, Mapping):
        yield from node.items()


def _strings(node: Any, key: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(node, str):
        yield key, node
    elif isinstance(node, Mapping):
        for name, child in node.items():
            yield from _strings(child, (*key, name))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _strings(child, (*key, index))


def local_path_problems(config: Mapping, workdir: str | Path) -> list[Problem]:
    workdir = Path(workdir)
    roots = {str(config.get(k, "")).strip("/").split("/", 1)[0] for k in ("results", "resources_dir")} - {""}
    checks: list[tuple[KeyPath, str, str]] = []  # (key, value, kind: file | folder | hub | model)

    data = config.get("data")
    if isinstance(data, Mapping) and data.get("source") == "xor_tydi":
        files = data.get("xor_tydi", {}).get("files") if isinstance(data.get("xor_tydi"), Mapping) else None
        for name, entry in _items(files):
            if isinstance(entry, Mapping) and isinstance(entry.get("path"), str):
                checks.append((("data", "xor_tydi", "files", name, "path"), entry["path"], "file"))
    for name, spec in _items(config.get("backbones")):
        if not isinstance(spec, Mapping):
            continue
        model = spec.get("model")
        if isinstance(model, str):
            kind = {"local": "folder", "hub": "hub"}.get(spec.get("source"))
            if kind:
                checks.append((("backbones", name, "model"), model, kind))
        for regime, checkpoint in _items(spec.get("checkpoints")):
            if isinstance(checkpoint, str):
                checks.append((("backbones", name, "checkpoints", regime), checkpoint, "model"))
    for name, spec in _items(config.get("generators")):
        if not isinstance(spec, Mapping):
            continue
        base = spec.get("base")
        if isinstance(base, str) and not base.startswith(BACKBONE_REFERENCE):
            checks.append((("generators", name, "base"), base, "model"))
        if isinstance(spec.get("model"), str):
            checks.append((("generators", name, "model"), spec["model"], "model"))
        for key, path in _strings(spec.get("paths"), ("generators", name, "paths")):
            checks.append((key, path, "file"))
    attacks = config.get("attacks") if isinstance(config.get("attacks"), Mapping) else {}
    paraphrase = attacks.get("model_paraphrase")
    if isinstance(paraphrase, Mapping) and isinstance(paraphrase.get("model"), str):
        for key in ("model", "similarity_model"):
            if isinstance(paraphrase.get(key), str):
                checks.append((("attacks", "model_paraphrase", key), paraphrase[key], "model"))
    encoder = _section_value(attacks.get("neighbour_synonym"), "encoder")
    if isinstance(encoder, str) and not encoder.startswith(BACKBONE_REFERENCE):
        checks.append((("attacks", "neighbour_synonym", "encoder"), encoder, "model"))
    for key, path in _strings(attacks.get("resources"), ("attacks", "resources")):
        checks.append((key, path, "file"))

    allowed_outside = config.get("allow_absolute_paths") is True
    problems = []
    for key, value, kind in checks:
        if not value.strip() or (escapes_working_directory(value) and not allowed_outside):
            continue  # reported by xqg.settings.config_paths
        if kind == "file":
            message = _file_problem(value, workdir, "a local file")
        elif kind == "folder":
            path = _resolve(value, workdir)
            message = weights_problem(path) if path.is_dir() else (
                f"no such local folder {value!r} (source: local; resolved under {workdir})" if not path.exists()
                else f"{value!r} is a file; a local model is a folder")
        elif kind == "hub":
            message = None if is_hub_id(value) else f"{value!r} is not a hub id ({HUB_FORM}); for a local folder set source: local"
        else:
            message = model_reference_problem(value, workdir, roots)
        if message:
            problems.append(Problem(key, message))
    return problems
