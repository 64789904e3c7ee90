"""Publishing a trained model from its work folder into the rule's output, then removing the work folder.

A training rule trains in a work folder outside its output (``{results}/{dataset}/checkpoints/...``):
Snakemake clears a job's outputs before it starts, and the checkpoints in the work folder let a killed
job resume. Once the final model is in the output, the work folder (a second copy of the model, and
for a killed-and-resumed run its leftovers; ~600 MB for the embedded default's two trainings) has no
use left: :func:`publish_model` removes it unless asked to keep it (config
``storage.keep_training_checkpoints``). Until the output exists, nothing is removed, so resumption after
a kill still works.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

CHECKPOINTS_ROOT = "checkpoints"  # work folders live below a folder of this name; emptied parents up to it go too


def folder_size(path: str | os.PathLike) -> int:
    """Bytes of the files below ``path`` (0 if it does not exist)."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file() and not f.is_symlink())


def publish_model(
    source: str | os.PathLike,
    out: str | os.PathLike,
    *,
    work: str | os.PathLike,
    keep_work: bool = False,
    ignore: Callable | None = None,
) -> None:
    """Copy the folder ``source`` (the final model, inside ``work``) to ``out`` atomically (``out.part``,
    then a rename), then remove ``work`` unless ``keep_work``, and the parents it leaves empty up to the
    nearest ancestor called ``checkpoints`` (included). ``ignore`` is passed to :func:`shutil.copytree`."""
    source, out, work = Path(source), Path(out), Path(work)
    tmp = out.with_name(out.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp, ignore=ignore)
    tmp.rename(out)
    if keep_work:
        logger.info("kept the training work folder %s (storage.keep_training_checkpoints)", work)
        return
    size = folder_size(work)
    shutil.rmtree(work, ignore_errors=True)
    logger.info("removed the training work folder %s (%.1f MB) now that %s is written "
                "(storage.keep_training_checkpoints: true keeps it)", work, size / 1e6, out)
    _remove_empty_parents(work)


def _remove_empty_parents(path: Path) -> None:
    parents = list(path.parents)
    root = next((p for p in parents if p.name == CHECKPOINTS_ROOT), None)
    if root is None:
        return
    for parent in parents:
        try:
            parent.rmdir()  # only an empty folder
        except OSError:
            return
        if parent == root:
            return
