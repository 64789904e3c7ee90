"""Paths in the configuration stay under the working directory unless the user allows otherwise.

A config file is input like any other: a shared or downloaded config must not make the workflow read
or write outside the study folder (``results: /``, ``resources_dir: ../../home``) without the user
saying so with ``allow_absolute_paths: true``. The check is lexical (no symlinks are followed): a
symlink inside the working directory, e.g. ``resources -> /scratch/me``, is the user's explicit choice.
Model references take a hub id or a local path; a hub id (``org/name``) is a relative path and passes.
Whether local paths exist is checked next to this, in :mod:`xqg.settings.local_paths`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

from xqg.settings.problems import KeyPath, Problem, format_key

# Every config key that holds a file or folder path, or a "hub id or local path". "*" matches any key or
# list index at that level; "**" any number of levels (attack resources are nested by attack and language).
PATH_KEYS = (
    "results",
    "resources_dir",
    "data.xor_tydi.files.*.path",
    "backbones.*.model",
    "backbones.*.checkpoints.*",
    "generators.*.base",
    "generators.*.model",
    "generators.*.paths.*",
    "attacks.resources.**",
    "attacks.model_paraphrase.model",
    "attacks.model_paraphrase.similarity_model",
    "attacks.neighbour_synonym.encoder",
)
BACKBONE_REFERENCE = "backbone:"  # generators.*.base and attacks.neighbour_synonym.encoder may name a configured backbone instead of a path


class ConfigPathError(ValueError):
    pass


def _children(node: Any) -> Iterator[tuple[str | int, Any]]:
    if isinstance(node, Mapping):
        yield from ((str(key), value) for key, value in node.items())
    elif isinstance(node, list):
        yield from enumerate(node)


def _matches(node: Any, pattern: list[str], prefix: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    if not pattern:
        yield prefix, node
        return
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        if isinstance(node, (Mapping, list)):
            for key, child in _children(node):
                yield from _matches(child, pattern, (*prefix, key))
        else:
            yield prefix, node
        return
    for key, child in _children(node):
        if head in ("*", str(key)):
            yield from _matches(child, rest, (*prefix, key))


def path_settings(config: Mapping) -> Iterator[tuple[KeyPath, Any]]:
    """(key path, value) for every path-valued setting present in ``config``, nulls and backbone:NAME left out."""
    for pattern in PATH_KEYS:
        for key, value in _matches(config, pattern.split("."), ()):
            if value is None or (isinstance(value, str) and value.startswith(BACKBONE_REFERENCE)):
                continue
            yield key, value


def configured_paths(config: Mapping) -> list[tuple[str, str]]:
    """(dotted key, value) for every path-valued setting present in ``config`` (list indexes as ``.0``)."""
    found = []
    for key, value in path_settings(config):
        if not isinstance(value, str):
            raise ConfigPathError(f"config key {'.'.join(map(str, key))}: expected a path (string), got {type(value).__name__} {value!r}")
        found.append((".".join(map(str, key)), value))
    return found


def escapes_working_directory(value: str) -> bool:
    normal = posixpath.normpath(value.replace("\\", "/"))
    return posixpath.isabs(normal) or value.startswith("~") or normal == ".." or normal.startswith("../")


def path_problems(config: Mapping) -> list[Problem]:
    """A problem for every path that is empty, or absolute or leaving the working directory (``..``)
    unless ``allow_absolute_paths`` is true in ``config``. Non-string values are the schema's to report."""
    allowed = config.get("allow_absolute_paths", False) is True
    problems = []
    for key, value in path_settings(config):
        if not isinstance(value, str):
            continue
        if not value.strip():
            problems.append(Problem(key, "empty path"))
        elif not allowed and escapes_working_directory(value):
            problems.append(Problem(key, f"{value!r} is outside the working directory; paths from a config are "
                                         "resolved under it. Set allow_absolute_paths: true in the config to allow such paths."))
    return problems


def check_config_paths(config: Mapping) -> None:
    """Raise ConfigPathError naming the key of every path that is empty, absolute or leaves the working
    directory (``..``), unless ``allow_absolute_paths`` is true in ``config``."""
    configured_paths(config)  # non-string paths
    problems = path_problems(config)
    if problems:
        raise ConfigPathError("\n".join(f"config key {format_key(p.key)}: {p.message}" for p in problems))
