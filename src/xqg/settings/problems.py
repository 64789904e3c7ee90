"""A configuration problem (a key path and a message) and the error that lists them all."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

KeyPath = tuple[str | int, ...]


def format_key(key: KeyPath) -> str:
    """``("xqg", "k_sweep", 2)`` -> ``xqg.k_sweep[2]``; the empty path (the whole config) -> ``(top level)``."""
    text = ""
    for part in key:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


class Problem(NamedTuple):
    key: KeyPath  # where in the config: ("generators", "neural", "training", "max_step")
    message: str

    @property
    def dotted(self) -> str:
        return format_key(self.key)


class LocatedProblem(NamedTuple):
    source: str  # the config file (or "--config") that set the key, as the user named it
    key: str  # dotted key path
    message: str

    def line(self) -> str:
        return f"{self.source}: {self.key}: {self.message}"


class ConfigError(ValueError):
    """Every problem found in the configuration, one line each: ``CONFIGFILE: key.path: message``."""

    def __init__(self, problems: Sequence[LocatedProblem], notes: Sequence[str] = ()):
        self.problems = list(problems)
        self.notes = list(notes)
        count = len(self.problems)
        header = f"invalid configuration: {count} problem{'s' if count != 1 else ''} (nothing was run)"
        super().__init__("\n".join([header, *(p.line() for p in self.problems), *self.notes]))

    @property
    def lines(self) -> list[str]:
        return [p.line() for p in self.problems]
