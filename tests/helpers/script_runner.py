"""Run a rule's script (workflow_scripts/RULE.py) in-process, as Snakemake would, with a stand-in for the
``snakemake`` object it receives: input, output, params, log and wildcards as named lists, threads, config."""

from __future__ import annotations

import collections
import logging
import runpy
from typing import Any

from tests.helpers.paths import ROOT


class NamedList(list):
    """Positional items, plus named ones reachable as attributes, by name and in order (Snakemake's Namedlist)."""

    def __init__(self, *items: Any, **named: Any):
        super().__init__([*items, *named.values()])
        self._names = dict(named)
        for name, value in named.items():
            setattr(self, name, value)

    def __getitem__(self, key):
        if isinstance(key, str):
            return self._names[key]
        return super().__getitem__(key)

    def keys(self):
        return self._names.keys()

    def items(self):
        return self._names.items()

    def get(self, key, default=None):
        return self._names.get(key, default)


def record(**values: Any):
    """A named tuple of ``values``: stands in for a typed settings section (xqg.settings.sections) in params."""
    return collections.namedtuple("Settings", list(values))(**values)


class Job:
    def __init__(self, *, input=None, output=None, params=None, log=None, wildcards=None, threads: int = 1,
                 config: dict | None = None):
        self.input = input if input is not None else NamedList()
        self.output = output if output is not None else NamedList()
        self.params = params if params is not None else NamedList()
        self.log = log if log is not None else NamedList()
        self.wildcards = wildcards if wildcards is not None else NamedList()
        self.threads = threads
        self.config = config if config is not None else {"storage": {"keep_training_checkpoints": False}}


def run_script(rule: str, job: Job) -> dict:
    """Run workflow_scripts/RULE.py with ``snakemake`` set to ``job``; returns the script's globals.

    The root logger's handlers and level are restored afterwards (the script's rule_log replaces them)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return runpy.run_path(str(ROOT / "workflow_scripts" / f"{rule}.py"), init_globals={"snakemake": job}, run_name="__main__")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
