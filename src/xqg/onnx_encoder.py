"""ONNX Runtime CPU backend of the text encoder (``EncodingOptions.backend``), opened by :meth:`xqg.encoding.EncodingOptions.open`.

Why: on CPUs without native bf16 the torch path runs in fp32 at about the speed of
sentence-transformers. ONNX Runtime with int8 matrix multiplies (dynamic quantisation: weights int8
per output channel, activations uint8 per tensor, quantised on the fly) is the fast path there;
``benchmarks/bench_encoding.py`` measures it.

Backends (:data:`BACKENDS`, chosen with :func:`select_backend`):

- ``"torch"``: :mod:`xqg.encoding` itself (any device, fp32/bf16/fp16).
- ``"onnxruntime"``: the same network exported to ONNX, fp32; matches torch to ~1e-6.
- ``"onnxruntime-int8"``: every ``nn.Linear`` of the encoder runs as an int8 matmul. Plain dynamic
  quantisation loses too much on multilingual-e5-small (cosine to fp32 down to ~0.994, mostly in the
  FFN down-projection whose GELU inputs have outlier channels), so the export first applies
  SmoothQuant (Xiao et al., 2023): for each linear ``y = x W^T``, ``s_j = max|x_j|^a / max|W_:j|^(1-a)``
  with ``a = 0.7``, and the graph computes ``(x / s) (W s)^T``, which is the same function in exact
  arithmetic but moves activation outliers into the (per-channel quantised) weights. The activation
  maxima come from :data:`CALIBRATION_SENTENCES` (built in, the XOR-TyDi languages and English). Weights
  are signed int8 where the CPU has VNNI (u8 x s8 dot products without overflow) and unsigned int8
  elsewhere: without VNNI, x86 u8 x s8 kernels sum pairs of products in saturating 16-bit lanes.

The export is the Hugging Face encoder plus the spec's pooling and normalisation (the very
:func:`xqg.encoder_spec.embed` the torch path runs), traced by ``torch.onnx.export`` with dynamic batch
and sequence axes; ONNX Runtime applies its graph optimisations (``ORT_ENABLE_ALL``) when it loads it.
The graph starts from the word embeddings: the lookup of each token's row is done in numpy, in
``word_embeddings.npy`` beside ``model.onnx`` (read memory-mapped), which keeps the embedding matrix (most
of an XLM-R-vocabulary model) out of the graph: exporting multilingual-e5-small is 1.7x faster, opening a
session 6.6x (benchmarks/bench_encoder_loading.py), and the vectors are bit for bit the same. The position ids
are an input too, computed from the token ids as the model would (``positions.json``: RoBERTa-style models
count from after the padding id). Nothing is loaded with ``trust_remote_code``.

Exports are cached, by default in a folder beside the model folder (``<model>.onnx/<key>/``; a
model given as a hub id, or whose parent folder is not writable, uses ``~/.cache/xqg/onnx``), or in
``cache_dir`` / ``$XQG_ONNX_CACHE``. The key hashes the sha256 of every weight file and of
``config.json``, the export settings (backend, pooling, normalisation, smoothing, weight type,
calibration texts and length, opset) and the versions of torch, transformers and onnxruntime, so a
changed model or setting can never be served a stale export. Exports are written to a temporary
folder and renamed into place under a file lock, so concurrent jobs build one export once.

Texts go through the same steps as the torch path: the spec's prefix and maximum length, tokenised
once, each distinct text encoded once, batches of similar length (:func:`xqg.batching.length_sorted_batches`)
padded to their longest member, float32 rows returned in input order.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from xqg.encoder_spec import EncoderSpec
from xqg.model_cache import build_once, cache_root, safe_name
from xqg.onnx_export import CALIBRATION_SENTENCES, POSITIONS, WORD_EMBEDDINGS, export_model, graph_inputs
from xqg.tokenizer_loading import load_tokenizer
from xqg.torch_runtime import resolve_device

log = logging.getLogger(__name__)

Backend = Literal["torch", "onnxruntime", "onnxruntime-int8"]
BACKENDS: tuple[Backend, ...] = ("torch", "onnxruntime", "onnxruntime-int8")
ONNX_BACKENDS = ("onnxruntime", "onnxruntime-int8")
DEFAULT_CPU_BACKEND: Backend = "onnxruntime-int8"  # fastest measured option that keeps cosine >= 0.999 (see the benchmark)
EXPORT_FORMAT = 2  # bump when the export code changes what it writes (2: the word embeddings outside the graph)
OPSET = 17
SMOOTHING_ALPHA = 0.7
CACHE_ENV = "XQG_ONNX_CACHE"
WeightType = Literal["int8", "uint8"]



# ----------------------------------------------------------------------------- backend selection

def cpu_flags(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where it cannot be read)."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_has_vnni(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> bool:
    """True if the CPU has int8 dot-product instructions (AVX-512 VNNI, AVX-VNNI or AMX-INT8)."""
    return bool(cpu_flags(cpuinfo) & {"avx512_vnni", "avx_vnni", "amx_int8"})


def onnxruntime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def select_backend(backend: str | None = "auto", device: str | None = "auto", precision: str = "auto") -> Backend:
    """The backend to encode with: ``backend`` checked, or for "auto" (None, "") the fastest fitting one.

    "auto" is "torch" on CUDA, for a precision other than auto/fp32 (bf16 and fp16 are torch's) or
    where onnxruntime is not installed, else :data:`DEFAULT_CPU_BACKEND`. An ONNX Runtime backend with
    a CUDA device, or with bf16/fp16, is a ValueError (it computes on the CPU, in fp32 or int8).
    """
    if backend and backend != "auto":
        if backend not in BACKENDS:
            raise ValueError(f"unknown encoder backend {backend!r}; expected auto, {', '.join(BACKENDS)}")
        if backend in ONNX_BACKENDS and device and device not in ("auto", "cpu"):
            raise ValueError(f"backend {backend!r} runs on the CPU; got device {device!r} (use backend 'torch')")
        if backend in ONNX_BACKENDS and precision not in ("auto", "fp32"):
            raise ValueError(f"backend {backend!r} computes in fp32 or int8; precision {precision!r} needs backend 'torch'")
        return backend  # type: ignore[return-value]
    if precision not in ("auto", "fp32") or resolve_device(device).type != "cpu" or not onnxruntime_available():
        return "torch"
    return DEFAULT_CPU_BACKEND


# ----------------------------------------------------------------------------- export settings and cache

@dataclass(frozen=True)
class ExportSettings:
    """Everything besides the weights that decides what an export computes (all of it is in the key)."""

    backend: Backend
    pooling: str
    normalize: bool
    calibration_length: int = 0  # int8 only: max tokens of the calibration texts
    smoothing_alpha: float = 0.0  # int8 only
    weight_type: str = ""  # int8 only: "int8" or "uint8"
    opset: int = OPSET
    export_format: int = EXPORT_FORMAT

    @classmethod
    def for_spec(cls, spec: EncoderSpec, backend: Backend, *, weight_type: WeightType | None = None) -> "ExportSettings":
        if backend not in ONNX_BACKENDS:
            raise ValueError(f"not an ONNX Runtime backend: {backend!r}")
        if backend == "onnxruntime":
            return cls(backend, spec.pooling, spec.normalize)
        if weight_type not in (None, "int8", "uint8"):
            raise ValueError(f"unknown weight type {weight_type!r}; expected 'int8' or 'uint8'")
        weight_type = weight_type or ("int8" if cpu_has_vnni() else "uint8")
        return cls(backend, spec.pooling, spec.normalize, spec.max_passage_length, SMOOTHING_ALPHA, weight_type)


def model_folder(model: str) -> Path:
    """The local folder of ``model``: the folder itself, or a hub id's snapshot in the local HF cache."""
    if Path(model).is_dir():
        return Path(model)
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(model, allow_patterns=["*.json", "*.safetensors", "*.model", "*.txt"]))


def _weight_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise FileNotFoundError(f"{folder}: no *.safetensors weights (only safetensors are loaded)")
    return files + [folder / "config.json"]


@functools.lru_cache(maxsize=16)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 24), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_sha256(folder: str | os.PathLike) -> dict[str, str]:
    """sha256 of each weight file and config.json of a model folder (hashed once per process and file state)."""
    out = {}
    for path in _weight_files(Path(folder)):
        stat = path.stat()
        out[path.name] = _file_sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    return out


@functools.lru_cache(maxsize=1)
def _versions() -> dict[str, str]:
    names = ("torch", "transformers", "onnxruntime", "onnx")
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def export_key(folder: str | os.PathLike, settings: ExportSettings) -> tuple[str, dict]:
    """(key, what it hashes) of an export of the model in ``folder`` with ``settings``."""
    content = {"weights": weights_sha256(folder), "settings": asdict(settings), "versions": _versions()}
    if settings.backend == "onnxruntime-int8":
        content["calibration"] = hashlib.sha256(json.dumps(CALIBRATION_SENTENCES, sort_keys=True).encode()).hexdigest()
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:24]
    return f"{settings.backend}-{settings.pooling}{'-norm' if settings.normalize else ''}-{digest}", content


def default_cache_dir(model: str) -> Path:
    """Where exports of ``model`` go unless told: ``$XQG_ONNX_CACHE``, beside a local folder, else ~/.cache/xqg/onnx."""
    return cache_root(model, "onnx", CACHE_ENV)


def ensure_export(model: str, settings: ExportSettings, cache_dir: str | os.PathLike | None = None) -> Path:
    """The ONNX file of ``model`` exported with ``settings``: from the cache, or exported now."""
    folder = model_folder(model)
    key, content = export_key(folder, settings)
    root = Path(cache_dir) / safe_name(model) if cache_dir is not None else default_cache_dir(model)

    def build(tmp: Path) -> None:
        log.info("exporting %s to ONNX (%s) in %s", model, settings.backend, root / key)
        export_model(folder, settings, tmp)
        (tmp / "export.json").write_text(json.dumps({"key": key, "model": str(model), **content}, indent=2, sort_keys=True))

    return build_once(root, key, lambda target: _complete(target, key), build) / "model.onnx"


def _complete(target: Path, key: str) -> bool:
    try:
        return (json.loads((target / "export.json").read_text())["key"] == key and (target / "model.onnx").is_file()
                and (target / WORD_EMBEDDINGS).is_file() and (target / POSITIONS).is_file())
    except (OSError, ValueError, KeyError):
        return False


# ----------------------------------------------------------------------------- inference

@functools.lru_cache(maxsize=4)
def load_session(onnx_path: str, threads: int):
    """An ONNX Runtime CPU session (all graph optimisations, ``threads`` intra-op threads, no spinning)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # shared machines: idle threads sleep
    return ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])


def _threads(threads: int | None) -> int:
    if threads is not None:
        return threads
    return torch.get_num_threads()  # what the torch path uses (callers set it with torch.set_num_threads)


def open_encoder(spec: EncoderSpec, backend: Backend, batch_size: int, *, threads: int | None = None,
                 cache_dir: str | os.PathLike | None = None, weight_type: WeightType | None = None):
    """:meth:`xqg.encoding.EncodingOptions.open` for an ONNX Runtime backend: the export (cached) in a session."""
    from xqg.encoding import Encoder

    if backend not in ONNX_BACKENDS:
        raise ValueError(f"not an ONNX Runtime backend: {backend!r}")
    onnx_path = ensure_export(spec.model, ExportSettings.for_spec(spec, backend, weight_type=weight_type), cache_dir)
    session = load_session(str(onnx_path), _threads(threads))
    words = np.load(onnx_path.parent / WORD_EMBEDDINGS, mmap_mode="r")  # only the rows looked up are read
    positions = json.loads((onnx_path.parent / POSITIONS).read_text(encoding="utf-8"))
    tokenizer = load_tokenizer(spec.model)
    _log_once(f"encoding with {backend} ({onnx_path})")

    def encode(texts: Sequence[str], max_length: int, bar) -> np.ndarray:
        return encode_prepared(session, lambda ids, mask: graph_inputs(ids, mask, words, positions), tokenizer, texts,
                               max_length, batch_size=batch_size, bar=bar)

    return Encoder(label=backend, dim=session.get_outputs()[0].shape[-1], encode_prepared=encode)


@functools.lru_cache(maxsize=None)
def _log_once(message: str) -> None:
    log.info("%s", message)


def encode_prepared(session, feed: Callable[[np.ndarray, np.ndarray], dict], tokenizer, texts: Sequence[str],
                    max_length: int, *, batch_size: int, bar=None) -> np.ndarray:
    """:func:`xqg.encoding.encode_prepared` on ONNX Runtime: texts already carry their prefix; float32 in input order.

    ``feed(input_ids, attention_mask)`` turns a padded batch into the session's inputs (for our exports,
    :func:`xqg.onnx_export.graph_inputs`)."""
    from xqg.batching import length_sorted_batches
    from xqg.truncation import record_truncation

    dim = session.get_outputs()[0].shape[-1]
    if not texts:
        return np.empty((0, dim), dtype=np.float32)
    row_of: dict[str, int] = {}
    rows = np.array([row_of.setdefault(text, len(row_of)) for text in texts])
    unique = list(row_of)
    counts = np.bincount(rows, minlength=len(unique))
    tokenized = tokenizer(unique, truncation=True, max_length=max_length, add_special_tokens=True)
    record_truncation(tokenized, tokenizer, unique, max_length, weights=counts)
    token_ids = tokenized["input_ids"]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    encoded = np.empty((len(unique), dim), dtype=np.float32)
    for batch in length_sorted_batches([len(ids) for ids in token_ids], batch_size):
        width = max(len(token_ids[i]) for i in batch)
        input_ids = np.full((len(batch), width), pad_id, dtype=np.intp)
        attention_mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, i in enumerate(batch):
            input_ids[row, : len(token_ids[i])] = token_ids[i]
            attention_mask[row, : len(token_ids[i])] = 1
        encoded[batch] = session.run(None, feed(input_ids, attention_mask))[0]
        if bar is not None:
            bar.update(int(counts[batch].sum()))
    return encoded[rows]
