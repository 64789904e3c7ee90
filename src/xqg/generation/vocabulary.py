"""Vocabulary trimming for generators: keep only the word pieces a corpus uses.

multilingual-e5-small (and mT5) carry a 250k-piece vocabulary, so the decoder's output softmax and the
embedding matrices dominate the cost of a small generator. A passage collection plus its training
questions use a few thousand pieces. We keep the ORIGINAL tokenizer untouched and map ids at the model
boundary with a torch index map:

    tokenizer id --(VocabularyMap.to_model)--> model row    (pieces that were not kept become <unk>)
    model row   --(VocabularyMap.to_tokenizer)--> tokenizer id   (for decoding generated ids)

The model itself is an ordinary Hugging Face model whose embedding matrices hold only the kept rows
(in increasing tokenizer-id order), followed by any EXTRA rows that have no tokenizer id at all (the
per-language decoder tokens of the "language_token" prompt style). The map is saved next to the model
(``vocabulary_map.json``); a model folder without one uses the identity map.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from xqg.files import atomic_open

VOCABULARY_MAP_FILE = "vocabulary_map.json"


@dataclass(frozen=True)
class VocabularyMap:
    """Which tokenizer ids the model keeps (``kept_ids[row] = tokenizer id``), plus ``n_extra`` model-only rows.

    ``kept_ids`` is None for the identity map (untrimmed model); then ``tokenizer_size`` rows are kept.
    """

    tokenizer_size: int
    unk_id: int
    kept_ids: tuple[int, ...] | None = None
    n_extra: int = 0

    @property
    def n_kept(self) -> int:
        return self.tokenizer_size if self.kept_ids is None else len(self.kept_ids)

    @property
    def model_size(self) -> int:
        return self.n_kept + self.n_extra

    def extra_row(self, index: int) -> int:
        """The model row of the ``index``-th extra (model-only) token."""
        if not 0 <= index < self.n_extra:
            raise IndexError(f"extra token {index} out of range ({self.n_extra} extra tokens)")
        return self.n_kept + index

    def _index_maps(self) -> tuple[torch.Tensor, torch.Tensor]:
        cached = self.__dict__.get("_maps")
        if cached is None:
            if self.kept_ids is None:
                to_model = torch.arange(self.tokenizer_size)
                to_tokenizer = torch.arange(self.tokenizer_size)
            else:
                kept = torch.tensor(self.kept_ids, dtype=torch.long)
                unk_row = self.kept_ids.index(self.unk_id)
                to_model = torch.full((self.tokenizer_size,), unk_row, dtype=torch.long)
                to_model[kept] = torch.arange(len(kept))
                to_tokenizer = kept
            # extra rows have no tokenizer id: decode them as <unk> (they are prompts, never shown)
            to_tokenizer = torch.cat([to_tokenizer, torch.full((self.n_extra,), self.unk_id, dtype=torch.long)])
            cached = (to_model, to_tokenizer)
            object.__setattr__(self, "_maps", cached)  # frozen dataclass: cache the tensors once
        return cached

    @property
    def is_identity(self) -> bool:
        return self.kept_ids is None and self.n_extra == 0

    def to_model(self, token_ids: torch.Tensor) -> torch.Tensor:
        """Map tokenizer ids to model rows (pieces that were trimmed away become <unk>)."""
        if self.is_identity:  # an ordinary model (e.g. the released mT5, whose matrices have padding rows)
            return token_ids
        return self._index_maps()[0].to(token_ids.device)[token_ids]

    def to_tokenizer(self, model_ids: torch.Tensor) -> torch.Tensor:
        if self.is_identity:
            return model_ids
        return self._index_maps()[1].to(model_ids.device)[model_ids]

    def model_id(self, tokenizer_id: int) -> int:
        return int(self.to_model(torch.tensor([tokenizer_id]))[0])

    def save(self, folder: str | os.PathLike) -> None:
        record = {"tokenizer_size": self.tokenizer_size, "unk_id": self.unk_id,
                  "kept_ids": None if self.kept_ids is None else list(self.kept_ids), "n_extra": self.n_extra}
        with atomic_open(Path(folder) / VOCABULARY_MAP_FILE) as handle:
            json.dump(record, handle)

    @classmethod
    def load(cls, folder: str | os.PathLike) -> "VocabularyMap | None":
        """The map saved in ``folder``, or None when there is none (an untrimmed, ordinary model)."""
        path = Path(folder) / VOCABULARY_MAP_FILE
        if not path.is_file():
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
        kept = record["kept_ids"]
        return cls(int(record["tokenizer_size"]), int(record["unk_id"]), None if kept is None else tuple(kept), int(record["n_extra"]))


def collect_used_token_ids(tokenizer, texts: Iterable[str], *, max_length: int | None = None,
                           batch_size: int = 1000) -> set[int]:
    """The tokenizer ids that ``texts`` use (with special tokens), plus all of the tokenizer's special ids."""
    used: set[int] = set(tokenizer.all_special_ids)
    batch: list[str] = []

    def flush() -> None:
        encoded = tokenizer(batch, truncation=max_length is not None, max_length=max_length)["input_ids"]
        for ids in encoded:
            used.update(ids)
        batch.clear()

    for text in texts:
        batch.append(text)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return used


def build_vocabulary_map(tokenizer, used_ids: Iterable[int] | None, *, n_extra: int = 0) -> VocabularyMap:
    """A map that keeps ``used_ids`` (None: keep everything) and adds ``n_extra`` model-only rows."""
    if tokenizer.unk_token_id is None:
        raise ValueError("the tokenizer has no <unk> token; trimming needs one for pieces that were not kept")
    size = len(tokenizer)
    if used_ids is None:
        return VocabularyMap(size, tokenizer.unk_token_id, None, n_extra)
    kept = sorted(set(used_ids) | set(tokenizer.all_special_ids))
    if kept and (kept[0] < 0 or kept[-1] >= size):
        raise ValueError(f"token ids out of range for a tokenizer of {size} pieces")
    return VocabularyMap(size, tokenizer.unk_token_id, tuple(kept), n_extra)


def remap_model_vocabulary(model: torch.nn.Module, vocabulary: VocabularyMap, old_size: int,
                           extra_init: Sequence[Sequence[int]] = ()) -> None:
    """Rewrite, in place, every vocabulary-sized parameter of ``model`` to the rows ``vocabulary`` keeps.

    Touches the weights of ``nn.Embedding`` and of ``nn.Linear`` output layers with ``old_size`` rows and
    1-d biases of that size (BERT's LM-head bias). Parameters shared between modules (tied input/output
    embeddings) stay shared. Extra row j is initialised with the mean of the old rows ``extra_init[j]``
    (e.g. the pieces of the language's English name); without one, with the mean of all kept rows.
    Configs are not touched here (see :func:`set_config_vocabulary_size`).
    """
    if len(extra_init) not in (0, vocabulary.n_extra):
        raise ValueError(f"extra_init has {len(extra_init)} entries for {vocabulary.n_extra} extra tokens")
    kept = torch.arange(min(vocabulary.n_kept, old_size)) if vocabulary.kept_ids is None else torch.tensor(vocabulary.kept_ids)
    if vocabulary.kept_ids is None and vocabulary.n_kept > old_size:
        raise ValueError(f"the tokenizer has {vocabulary.n_kept} pieces but the model only {old_size} rows")
    new_params: dict[int, torch.nn.Parameter] = {}

    def remapped(old: torch.nn.Parameter) -> torch.nn.Parameter:
        if id(old) not in new_params:
            data = old.data
            rows = [data[kept]]
            for j in range(vocabulary.n_extra):
                source = torch.tensor(list(extra_init[j])) if extra_init and len(extra_init[j]) else kept
                rows.append(data[source].mean(dim=0, keepdim=True))
            new_params[id(old)] = torch.nn.Parameter(torch.cat(rows).contiguous(), requires_grad=old.requires_grad)
        return new_params[id(old)]

    for module in model.modules():
        if isinstance(module, torch.nn.Embedding) and module.num_embeddings == old_size:
            module.weight = remapped(module.weight)
            module.num_embeddings = vocabulary.model_size
            if module.padding_idx is not None:
                module.padding_idx = vocabulary.model_id(module.padding_idx) if module.padding_idx < vocabulary.tokenizer_size else None
        elif isinstance(module, torch.nn.Linear) and module.out_features == old_size:
            module.weight = remapped(module.weight)
            if module.bias is not None:
                module.bias = remapped(module.bias)
            module.out_features = vocabulary.model_size
        for name, param in list(module.named_parameters(recurse=False)):
            if name == "bias" and param.dim() == 1 and param.shape[0] == old_size:
                setattr(module, name, remapped(param))
    if not new_params:
        raise ValueError(f"no parameter with {old_size} rows found: is old_size the model's vocabulary size?")


def set_config_vocabulary_size(config, size: int) -> None:
    """Set ``vocab_size`` on a config and on its encoder/decoder sub-configs (EncoderDecoderConfig)."""
    config.vocab_size = size
    for part in ("encoder", "decoder"):
        sub = getattr(config, part, None)
        if sub is not None and hasattr(sub, "vocab_size"):
            sub.vocab_size = size
