"""Caches of files derived from a model (ONNX exports, :mod:`xqg.onnx_encoder`; fast-loading tokenizers,
:mod:`xqg.tokenizer_loading`): where they live, and how an entry is built once and published whole.

An entry is a folder named by a key that hashes everything it is derived from, so a changed input is a new
key, never a stale entry. Entries are built in a temporary folder and renamed into place under a file lock:
concurrent jobs build an entry once, and an interrupted build leaves nothing that looks complete.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def cache_root(model: str, kind: str, env: str) -> Path:
    """Where the ``kind`` entries of ``model`` go: ``$ENV/<model>``, else beside a local model folder
    (``<folder>.<kind>``), else (a hub id, or a parent folder that is not writable) ``~/.cache/xqg/<kind>``."""
    if override := os.environ.get(env):
        return Path(override) / safe_name(model)
    if Path(model).is_dir():
        folder = Path(model).resolve()
        if os.access(folder.parent, os.W_OK):
            return folder.with_name(f"{folder.name}.{kind}")
    return Path.home() / ".cache" / "xqg" / kind / safe_name(model)


def safe_name(model: str) -> str:
    """A folder name for ``model``: its last path part, and a hash of its full path or hub id."""
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(model).name or model)
    return f"{name}-{hashlib.sha256(str(Path(model).resolve() if Path(model).is_dir() else model).encode()).hexdigest()[:8]}"


@contextlib.contextmanager
def locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_once(root: Path, key: str, complete: Callable[[Path], bool], build: Callable[[Path], None]) -> Path:
    """The entry ``root/key``: as it is if ``complete(entry)``, else built by ``build(folder)`` in a
    temporary folder and renamed into place (under a lock, so that one process builds it)."""
    target = root / key
    if complete(target):
        return target
    with locked(root / f".{key}.lock"):
        if complete(target):  # another process built it meanwhile
            return target
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
        tmp.chmod(0o755)
        try:
            build(tmp)
            if target.exists():  # an incomplete leftover
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target
