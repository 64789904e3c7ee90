"""The text encoder: one path for passages, queries, generated queries and attacked queries.

Texts are tokenised once, sorted by token length so that each batch is padded only to its own
longest member (dynamic padding), encoded under ``torch.inference_mode``, and returned in input
order. Device and precision ("auto" by default) are resolved by :mod:`xqg.torch_runtime`.

Two backends share these steps (``EncodingOptions.backend``): "torch" (any device; fp32, bf16 or fp16
autocast) and ONNX Runtime on the CPU, fp32 or int8 (:mod:`xqg.onnx_encoder`). "auto" picks ONNX
Runtime int8 on the CPU (measured fastest at cosine >= 0.999: ``benchmarks/bench_encoding.py``) and
torch on a GPU or where a precision other than fp32 is asked for.

Every encode function, here and in :mod:`xqg.vector_encoding` (which writes vector sets to files),
takes the same keyword options, the fields of :class:`EncodingOptions`, and encodes through an
:class:`Encoder` opened once per call (:meth:`EncodingOptions.open`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal

import numpy as np
import torch
from tqdm.auto import tqdm

from xqg.batching import length_sorted_batches
from xqg.encoder_spec import EncoderSpec, embed, load_encoder
from xqg.torch_runtime import Precision, ResolvedPrecision, autocast, resolve_device, resolve_precision
from xqg.truncation import record_truncation

Kind = Literal["query", "passage"]
BackendChoice = Literal["auto", "torch", "onnxruntime", "onnxruntime-int8"]  # resolved to onnx_encoder.Backend by open()


@dataclass(frozen=True)
class EncodingOptions:
    """How texts are run through the encoder; the keyword options of every encode function."""

    batch_size: int = 64
    precision: Precision = "auto"
    device: str = "auto"
    threads: int | None = None
    progress: bool = True
    backend: BackendChoice = "torch"
    onnx_cache_dir: str | None = None  # ONNX Runtime backends: where exports are cached (None: beside the model)
    onnx_weight_type: Literal["int8", "uint8"] | None = None  # onnxruntime-int8: None picks by the CPU (VNNI: int8)

    def start(self) -> tuple[torch.device, ResolvedPrecision]:
        """Apply ``threads`` to torch, then resolve the device and the precision on it."""
        if self.threads is not None:
            torch.set_num_threads(self.threads)
        device = resolve_device(self.device)
        return device, resolve_precision(device, self.precision)

    def open(self, spec: EncoderSpec) -> "Encoder":
        """The encoder these options describe for ``spec``: backend, device and precision resolved, model loaded."""
        from xqg import onnx_encoder  # lazy: onnxruntime loads only where an ONNX backend is used

        backend = onnx_encoder.select_backend(self.backend, self.device, self.precision)
        if backend != "torch":
            return onnx_encoder.open_encoder(spec, backend, self.batch_size, threads=self.threads,
                                             cache_dir=self.onnx_cache_dir, weight_type=self.onnx_weight_type)
        device, precision = self.start()
        _, model = load_model(spec.model, str(device))

        def encode(texts: Sequence[str], max_length: int, bar) -> np.ndarray:
            return encode_prepared(texts, max_length, spec, batch_size=self.batch_size, device=device, precision=precision, bar=bar)

        return Encoder(label=precision, dim=model.config.hidden_size, encode_prepared=encode)


@dataclass(frozen=True)
class Encoder:
    """An opened encoder: ``encode_prepared(texts with their prefix, max_length, progress bar)`` -> float32 rows.

    ``label`` names the backend or precision (for progress bars and logs); ``dim`` is the vector size.
    """

    label: str
    dim: int
    encode_prepared: Callable[[Sequence[str], int, object], np.ndarray]


@functools.lru_cache(maxsize=2)
def load_model(model: str, device: str = "cpu"):
    """(tokenizer, model in eval mode on ``device``), loaded once per process and model."""
    tokenizer, encoder = load_encoder(model, local_files_only=Path(model).is_dir())
    return tokenizer, encoder.to(device).eval()


# ----------------------------------------------------------------------------- texts

def _prepare(texts: Sequence[str], spec: EncoderSpec, kind: Kind) -> tuple[list[str], int]:
    """Apply the spec's prefix and pick the maximum length for ``kind``."""
    if kind == "query":
        return [spec.query_text(text) for text in texts], spec.max_query_length
    if kind == "passage":
        return [spec.passage_text("", text) for text in texts], spec.max_passage_length
    raise ValueError(f"unknown kind {kind!r}; expected 'query' or 'passage'")


def _pad(token_ids: list[list[int]], pad_id: int, device: torch.device) -> dict[str, torch.Tensor]:
    width = max(len(ids) for ids in token_ids)
    input_ids = torch.full((len(token_ids), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(token_ids), width), dtype=torch.long)
    for row, ids in enumerate(token_ids):
        input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        attention_mask[row, : len(ids)] = 1
    return {"input_ids": input_ids.to(device), "attention_mask": attention_mask.to(device)}


def encode_prepared(
    texts: Sequence[str], max_length: int, spec: EncoderSpec, *, batch_size: int, device: torch.device, precision: str, bar
) -> np.ndarray:
    """Encode texts that already carry their prefix; float32 (len(texts), dim) in input order.

    Each distinct text is encoded once: generated queries repeat (templates, a generator's favourite
    questions) and so do attacked queries (a sample the attack could not change is the clean query).
    ``device`` and ``precision`` are resolved ones (:meth:`EncodingOptions.start`).
    """
    tokenizer, model = load_model(spec.model, str(device))
    dim = model.config.hidden_size
    if not texts:
        return np.empty((0, dim), dtype=np.float32)
    row_of: dict[str, int] = {}
    rows = np.array([row_of.setdefault(text, len(row_of)) for text in texts])
    unique = list(row_of)
    counts = np.bincount(rows, minlength=len(unique))
    encoded = np.empty((len(unique), dim), dtype=np.float32)
    tokenized = tokenizer(unique, truncation=True, max_length=max_length, add_special_tokens=True)
    record_truncation(tokenized, tokenizer, unique, max_length, weights=counts)  # for the rule's log (xqg.truncation)
    token_ids = tokenized["input_ids"]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    with torch.inference_mode(), autocast(device, precision):
        for batch in length_sorted_batches([len(ids) for ids in token_ids], batch_size):
            vectors = embed(model, _pad([token_ids[i] for i in batch], pad_id, device), spec)
            encoded[batch] = vectors.float().cpu().numpy()
            bar.update(int(counts[batch].sum()))
    return encoded[rows]


def encode_texts(texts: Sequence[str], spec: EncoderSpec, *, kind: Kind, **options) -> np.ndarray:
    """Encode texts as queries or passages: float32 (len(texts), dim), rows in input order.

    The spec decides prefix, truncation length, pooling and normalisation; ``options`` are the fields
    of :class:`EncodingOptions`.
    """
    run = EncodingOptions(**options)
    texts = list(texts)
    prepared, max_length = _prepare(texts, spec, kind)
    encoder = run.open(spec)
    plural = {"query": "queries", "passage": "passages"}[kind]
    with tqdm(total=len(texts), desc=f"encode {plural} ({encoder.label})", unit=kind, disable=not run.progress) as bar:
        return encoder.encode_prepared(prepared, max_length, bar)
