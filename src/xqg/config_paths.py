"""Paths in the configuration stay under the working directory unless the user allows otherwise.

A config file is input like any other: a shared or downloaded config must not make the workflow read
or write outside the study folder (``results: /``, ``resources_dir: ../../home``) without the user
saying so with ``allow_absolute_paths: true``. The check is lexical (no symlinks are followed): a
symlink inside the working directory, e.g. ``resources -> /scratch/me``, is the user's explicit choice.
Model references take a hub id or a local path; a hub id (``org/name``) is a relative path and passes.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

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
)
BACKBONE_REFERENCE = "backbone:"  # generators.*.base may name a configured backbone instead of a path


class ConfigPathError(ValueError):
    pass


def _children(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping):
        yield from ((str(key), value) for key, value in node.items())
    elif isinstance(node, list):
        yield from ((str(index), value) for index, value in enumerate(node))


def _matches(node: Any, pattern: list[str], prefix: list[str]) -> Iterator[tuple[str, Any]]:
    if not pattern:
        yield ".".join(prefix), node
        return
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        if isinstance(node, (Mapping, list)):
            for key, child in _children(node):
                yield from _matches(child, pattern, [*prefix, key])
        else:
            yield ".".join(prefix), node
        return
    for key, child in _children(node):
        if head in ("*", key):
            yield from _matches(child, rest, [*prefix, key])


def configured_paths(config: Mapping) -> list[tuple[str, str]]:
    """(dotted key, value) for every path-valued setting present in ``config`` (nulls left out)."""
    found = []
    for pattern in PATH_KEYS:
        for key, value in _matches(config, pattern.split("."), []):
            if value is None:
                continue
            if not isinstance(value, str):
                raise ConfigPathError(f"config key {key}: expected a path (string), got {type(value).__name__} {value!r}")
            if not value.startswith(BACKBONE_REFERENCE):
                found.append((key, value))
    return found


def check_config_paths(config: Mapping) -> None:
    """Raise ConfigPathError naming the key of the first path that is absolute or leaves the working
    directory (``..``), unless ``allow_absolute_paths`` is true in ``config``."""
    if config.get("allow_absolute_paths", False):
        return
    for key, value in configured_paths(config):
        if not value.strip():
            raise ConfigPathError(f"config key {key}: empty path")
        normal = posixpath.normpath(value.replace("\\", "/"))
        if posixpath.isabs(normal) or value.startswith("~") or normal == ".." or normal.startswith("../"):
            raise ConfigPathError(
                f"config key {key}: {value!r} is outside the working directory; paths from a config are "
                "resolved under it. Set allow_absolute_paths: true in the config to allow such paths."
            )
