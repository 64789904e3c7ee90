"""The prepare_xor_tydi rule's named inputs and outputs, and the config key of each input."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

# Snakemake input name -> key under data.xor_tydi.files (where checksums are pinned)
INPUT_CONFIG_NAMES = {
    "dev": "dev_questions",
    "train": "train_questions",
    "gold_paragraphs": "gold_paragraphs",
    "corpus": "corpus",
    "nq_train": "nq_train",
}


class _PathBundle:
    @classmethod
    def from_mapping(cls, source):
        """Build from anything indexable by name (a dict, Snakemake's ``input``/``output``)."""
        return cls(**{f.name: Path(source[f.name]) for f in fields(cls)})


@dataclass(frozen=True)
class XorTydiInputs(_PathBundle):
    """The rule's named inputs (local copies or downloads)."""

    dev: Path
    train: Path
    gold_paragraphs: Path
    corpus: Path
    nq_train: Path


@dataclass(frozen=True)
class XorTydiOutputs(_PathBundle):
    """The internal data layout (see rules/data.smk) plus the README describing it."""

    corpus: Path
    dev: Path
    train: Path
    qrels_dev: Path
    qrels_train: Path
    pairs_train: Path
    pairs_dev: Path
    english_train: Path
    readme: Path
