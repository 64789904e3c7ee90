"""Cache keys derived from the code a rule really runs: its script's transitive package imports.

Snakemake reruns a job when its script changes, not when a module the script imports does. Each rule
therefore passes ``code=code_key(script)`` as a parameter: a hash of every ``xqg`` module in the import
closure of its script. The closure is read from the source (every ``import`` and ``from ... import``,
at any depth, lazy imports inside functions included), so it cannot go stale the way a hand-kept list
does. Importing ``xqg.a.b`` also runs ``xqg/__init__.py`` and ``xqg/a/__init__.py``, so these count too.
"""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE = "xqg"


def _module_file(name: str, source_root: Path) -> Path | None:
    """The file that defines module NAME under SOURCE_ROOT, or None if NAME is not a module there."""
    base = source_root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _package_of(path: Path, source_root: Path) -> str:
    """The package a module file belongs to (for ``xqg/a/b.py`` and ``xqg/a/__init__.py``: ``xqg.a``)."""
    return ".".join(path.relative_to(source_root).parts[:-1])


def imported_names(path: Path, source_root: Path | None = None) -> set[str]:
    """Every dotted name that PATH imports or might import (``from a import b`` gives ``a`` and ``a.b``)."""
    package = _package_of(path, source_root) if source_root is not None else None
    return set(_imported_names(path.read_bytes(), str(path), package))


@lru_cache(maxsize=4096)
def _imported_names(source: bytes, filename: str, package: str | None) -> frozenset[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: only meaningful inside the package
                if package is None:
                    continue
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return frozenset(names)


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def import_closure(script: Path, source_root: Path) -> list[Path]:
    """The package's module files that running SCRIPT imports, directly or not, sorted."""
    seen: dict[str, Path] = {}
    pending = [n for n in imported_names(script) if n.split(".")[0] == PACKAGE]
    while pending:
        for name in _with_parents(pending.pop()):
            if name in seen:
                continue
            file = _module_file(name, source_root)
            if file is None:
                continue  # an attribute imported from a module (``from xqg.a import f``), not a module
            seen[name] = file
            pending += [
                n for n in imported_names(file, source_root) if n.split(".")[0] == PACKAGE
            ]
    return sorted(set(seen.values()))


@lru_cache(maxsize=None)
def code_key(script: str | Path, source_root: str | Path) -> str:
    """A short hash of the package modules SCRIPT imports (paths and contents)."""
    source_root = Path(source_root)
    digest = hashlib.sha256()
    for file in import_closure(Path(script), source_root):
        digest.update(file.relative_to(source_root).as_posix().encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]
