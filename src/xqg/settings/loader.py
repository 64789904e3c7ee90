"""The one entry point: check the whole configuration at start and return the typed settings.

``load_settings`` fills in the schema's defaults (in ``config`` itself, as Snakemake's ``validate``
did), then collects every problem at once: schema errors (unknown keys, types, ranges, closed sets),
checks across keys (xqg.settings.cross_checks), ``trust_remote_code`` anywhere, paths that leave the
working directory (xqg.settings.config_paths) and local paths that do not exist
(xqg.settings.local_paths). Any problem raises :class:`ConfigError`, one line per problem naming the
config file that set the key (or ``--config``), the key path and what is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from xqg.settings.build import build_settings
from xqg.settings.config_paths import path_problems
from xqg.settings.cross_checks import cross_key_problems
from xqg.settings.local_paths import local_path_problems
from xqg.settings.problems import ConfigError, KeyPath, LocatedProblem, Problem, format_key
from xqg.settings.schema_check import SCHEMA_PATH, fill_defaults_and_validate, load_schema
from xqg.settings.sections import Settings

OVERRIDES = "--config"


def _display_name(path: str | os.PathLike, workdir: Path) -> str:
    path = Path(path)
    absolute = path if path.is_absolute() else workdir / path
    try:
        return absolute.resolve().relative_to(workdir.resolve()).as_posix()
    except ValueError:
        return str(path)


def _read(path: str | os.PathLike) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except (OSError, yaml.YAMLError):
        return None


def _depth_in(data: Any, key: KeyPath) -> int:
    """How many leading parts of ``key`` exist in ``data``."""
    depth = 0
    for part in key:
        if isinstance(data, Mapping) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            break
        depth += 1
    return depth


class Sources:
    """Which config file (or ``--config``) set a key: the deepest match, the later source on a tie."""

    def __init__(self, config_files: Iterable[str | os.PathLike], overrides: Mapping | None, workdir: Path):
        self.sources: list[tuple[str, Any]] = [(_display_name(f, workdir), _read(f)) for f in config_files]
        self.overrides = dict(overrides or {})
        if self.overrides:
            self.sources.append((OVERRIDES, self.overrides))

    def of(self, key: KeyPath) -> str:
        if not self.sources:
            return "config"
        best_name, best_depth = self.sources[-1][0], 0
        for name, data in self.sources:
            depth = _depth_in(data, key)
            if depth and depth >= best_depth:
                best_name, best_depth = name, depth
        if best_depth == 0:  # a key no source sets (a missing required key): the config files
            files = [name for name, _ in self.sources if name != OVERRIDES]
            return ", ".join(files) if files else OVERRIDES
        return best_name

    def notes(self) -> list[str]:
        if not self.overrides:
            return []
        return [f"note: --config overrides were applied on top of the config files ({', '.join(map(str, self.overrides))}); "
                "problems in keys they set are reported as '--config'"]


def _supersedes(key: KeyPath, other: KeyPath) -> bool:
    return other[: len(key)] == key


def config_problems(config: dict, workdir: str | Path = ".", schema: Mapping | None = None) -> list[Problem]:
    """Fill in the defaults (in place) and return every problem of ``config``."""
    workdir = Path(workdir)
    schema_problems = fill_defaults_and_validate(config, schema if schema is not None else load_schema())
    specific = cross_key_problems(config) + path_problems(config) + local_path_problems(config, workdir)
    # a specific problem (trust_remote_code, back_translation in attacks.names, ...) replaces the schema's
    # generic one about the same key
    schema_problems = [p for p in schema_problems if not any(_supersedes(q.key, p.key) for q in specific)]
    return schema_problems + specific


def load_settings(
    config: dict,
    config_files: Sequence[str | os.PathLike] = (),
    workdir: str | Path | None = None,
    *,
    overrides: Mapping | None = None,
    schema_path: str | Path = SCHEMA_PATH,
) -> Settings:
    """The typed settings of ``config`` (its defaults filled in, in place), or :class:`ConfigError` listing
    every problem. ``config_files`` (Snakemake's ``workflow.configfiles``) and ``overrides`` (its
    ``--config`` values) only name where each problem comes from; relative paths in the config are
    resolved under ``workdir`` (default: the current directory)."""
    workdir = Path(workdir) if workdir is not None else Path.cwd()
    problems = config_problems(config, workdir, load_schema(schema_path))
    if problems:
        sources = Sources(config_files, overrides, workdir)
        located = [LocatedProblem(sources.of(p.key), format_key(p.key), p.message) for p in problems]
        located.sort(key=lambda p: (p.source, p.key, p.message))
        unique = list(dict.fromkeys(located))
        raise ConfigError(unique, sources.notes())
    return build_settings(config)
