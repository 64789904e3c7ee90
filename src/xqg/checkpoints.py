"""Load released checkpoints safely, whether they ship safetensors or only ``pytorch_model.bin``.

Several repositories the study names ship pickle weights only (the released xQG generator
``ielabgroup/xor-tydi-docTquery-mt5-base``, the released fine-tuned mBERT, ``google/mt5-base``). A
pickle can run code when it is unpickled, so a ``.bin`` is first read with torch's restricted
unpickler (``weights_only=True``, tensors on the meta device: no tensor data is read) and refused,
naming the file and the remedy, if it needs anything beyond tensors and plain containers; only then
does transformers load it (which also unpickles with ``weights_only=True``). Safetensors is preferred
wherever a repository has both. ``trust_remote_code`` is always off.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

WeightFormat = Literal["safetensors", "pickle"]

# In transformers' order of preference: a single file, then a sharded checkpoint's index.
WEIGHT_FILES: dict[WeightFormat, tuple[str, str]] = {
    "safetensors": ("model.safetensors", "model.safetensors.index.json"),
    "pickle": ("pytorch_model.bin", "pytorch_model.bin.index.json"),
}
REMEDY = ("use a copy of the checkpoint in safetensors format (model.safetensors), or convert this file to "
          "safetensors in an environment you trust")


class UnsafeCheckpointError(ValueError):
    """A pickle checkpoint that needs more than tensors to unpickle (it could run code)."""


def _shards(index_file: Path) -> list[str]:
    try:
        weight_map = json.loads(index_file.read_text(encoding="utf-8"))["weight_map"]
        shards = sorted(set(weight_map.values()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"{index_file}: not a checkpoint index (a JSON object with a 'weight_map'): {error}") from error
    unsafe = [name for name in shards if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith(".")]
    if unsafe:
        raise ValueError(f"{index_file}: weight_map names files outside its folder: {unsafe[:3]}")
    return shards


def local_weight_files(folder: Path) -> tuple[WeightFormat, list[Path]] | None:
    """The weight files of a local model folder in the preferred format, or None if it has none."""
    for weight_format, (single, index) in WEIGHT_FILES.items():
        if (folder / single).is_file():
            return weight_format, [folder / single]
        if (folder / index).is_file():
            return weight_format, [folder / name for name in _shards(folder / index)]
    return None


def verify_pickle_weights(path: Path, what: str) -> None:
    """Unpickle ``path`` with torch's restricted unpickler (no tensor data read); refuse anything else."""
    import pickle

    import torch

    try:
        torch.load(path, map_location="meta", weights_only=True)
    except pickle.UnpicklingError as error:
        # torch's message: a generic preamble, the blocked global, a pointer to the docs
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        reason = next((line for line in lines if "GLOBAL" in line or "Unsupported" in line), lines[-1] if lines else "")
        raise UnsafeCheckpointError(
            f"{path}: {what} is a pickle checkpoint that needs more than tensors to load, so it could run code "
            f"and is refused ({reason}). Remedy: {REMEDY}.") from error


def weights_problem(folder: Path) -> str | None:
    """Why a local model folder cannot be loaded (no weights, or unsafe pickle weights), or None."""
    found = local_weight_files(folder)
    if found is None:
        names = ", ".join(name for pair in WEIGHT_FILES.values() for name in pair)
        return f"{folder} holds no model weights (expected one of {names})"
    weight_format, files = found
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        return f"{folder}: the checkpoint index names missing shards {missing[:3]}"
    if weight_format == "pickle":
        for path in files:
            try:
                verify_pickle_weights(path, "the model")
            except UnsafeCheckpointError as error:
                return str(error)
    return None


def _hub_weight_files(model: str, local_files_only: bool) -> tuple[WeightFormat, list[Path]] | None:
    """Resolve (download, or find in the cache when offline) a hub repository's weight files."""
    from transformers.utils import cached_file

    def fetch(name: str) -> str | None:
        return cached_file(model, name, local_files_only=local_files_only, _raise_exceptions_for_missing_entries=False,
                           _raise_exceptions_for_connection_errors=False)

    for weight_format, (single, index) in WEIGHT_FILES.items():
        if path := fetch(single):
            return weight_format, [Path(path)]
        if path := fetch(index):
            return weight_format, [Path(fetch(name) or Path(path).parent / name) for name in _shards(Path(path))]
    return None


def checkpoint_format(model: str, *, what: str, local_files_only: bool) -> WeightFormat:
    """The format ``from_pretrained`` should read for ``model`` (a local folder or a hub id), after the
    safety check of pickle weights. ``what`` names the model in errors (e.g. its config key)."""
    folder = Path(model)
    found = local_weight_files(folder) if folder.is_dir() else _hub_weight_files(model, local_files_only)
    if found is None:
        names = ", ".join(name for pair in WEIGHT_FILES.values() for name in pair)
        where = "folder" if folder.is_dir() else "hub repository (or its offline cache)"
        raise FileNotFoundError(f"{what}: the {where} {model!r} holds no model weights (expected one of {names})")
    weight_format, files = found
    if weight_format == "pickle":
        for path in files:
            verify_pickle_weights(path, what)
    return weight_format


def from_pretrained(auto_class, model: str, *, what: str, local_files_only: bool | None = None, **kwargs):
    """``auto_class.from_pretrained(model)`` with safetensors where present, checked pickle weights where
    not, and never ``trust_remote_code``. ``local_files_only`` defaults to "``model`` is a folder"."""
    local_files_only = Path(model).is_dir() if local_files_only is None else local_files_only
    weight_format = checkpoint_format(model, what=what, local_files_only=local_files_only)
    return auto_class.from_pretrained(model, trust_remote_code=False, local_files_only=local_files_only,
                                      use_safetensors=weight_format == "safetensors", **kwargs)
