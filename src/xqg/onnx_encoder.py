"""ONNX Runtime CPU backend of the text encoder: same contract as :func:`xqg.encoding.encode_texts`.

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
Nothing is loaded with ``trust_remote_code``.

Exports are cached, by default in a folder beside the model folder (``<model>.onnx/<key>/``; a
model given as a hub id, or whose parent folder is not writable, uses ``~/.cache/xqg/onnx``), or in
``cache_dir`` / ``$XQG_ONNX_CACHE``. The key hashes the sha256 of every weight file and of
``config.json``, the export settings (backend, pooling, normalisation, smoothing, weight type,
calibration texts and length, opset) and the versions of torch, transformers and onnxruntime, so a
changed model or setting can never be served a stale export. Exports are written to a temporary
folder and renamed into place under a file lock, so concurrent jobs build one export once.

Texts go through the same steps as the torch path: the spec's prefix and maximum length, tokenised
once, each distinct text encoded once, batches of similar length (:func:`xqg.encoding.length_sorted_batches`)
padded to their longest member, float32 rows returned in input order.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from xqg.encoder_spec import EncoderSpec, embed, load_encoder
from xqg.torch_runtime import resolve_device

log = logging.getLogger(__name__)

Backend = Literal["torch", "onnxruntime", "onnxruntime-int8"]
BACKENDS: tuple[Backend, ...] = ("torch", "onnxruntime", "onnxruntime-int8")
ONNX_BACKENDS = ("onnxruntime", "onnxruntime-int8")
DEFAULT_CPU_BACKEND: Backend = "onnxruntime-int8"  # fastest measured option that keeps cosine >= 0.999 (see the benchmark)
EXPORT_FORMAT = 1  # bump when the export code changes what it writes
OPSET = 17
SMOOTHING_ALPHA = 0.7
CACHE_ENV = "XQG_ONNX_CACHE"
WeightType = Literal["int8", "uint8"]

# Activation ranges for SmoothQuant: short query-like sentences and, per language, all of them as one
# passage-like text, in the XOR-TyDi languages and English.
CALIBRATION_SENTENCES: dict[str, list[str]] = {
    "en": ["Who wrote the first novel published in the country?",
           "The river flows through the capital before it reaches the sea.",
           "In 1905 the railway connected the port with the mining towns of the interior.",
           "The university was founded by the king and has about thirty thousand students.",
           "The festival is held every summer and attracts musicians from across the continent.",
           "Copper and tin were mined in the hills until the last mine closed in 1962.",
           "The parliament has two chambers, and members of the lower house are elected every four years.",
           "The painter spent most of her life in the capital, where she taught at the academy of fine arts.",
           "Its climate is temperate, with cold winters, mild summers and frequent rain in autumn.",
           "The dynasty ruled the region for almost three centuries before it was overthrown.",
           "The stadium was renovated for the 2002 championship and holds forty thousand spectators.",
           "Wheat, barley and grapes are the main crops, and wine has been produced here since Roman times.",
           "The physicist received the Nobel Prize for his work on the structure of the atom.",
           "The island can be reached by ferry from the mainland in about two hours.",
           "The album sold over a million copies and topped the charts in several countries.",
           "During the occupation the old town was badly damaged, but most churches were restored.",
           "The disease is spread by mosquitoes and is most common in rural areas during the rainy season.",
           "The airline operates flights to more than sixty destinations in Europe, Asia and Africa.",
           "Schools teach in the national language, while English is taught from the third grade.",
           "The volcano last erupted in 1883, destroying several villages on its slopes."],
    "ar": ["من كتب أول رواية نشرت في البلاد؟",
           "يمر النهر عبر العاصمة قبل أن يصل إلى البحر.",
           "في عام 1905 ربطت السكة الحديدية الميناء بمدن التعدين في الداخل.",
           "أسس الملك الجامعة ويدرس فيها نحو ثلاثين ألف طالب."],
    "bn": ["দেশে প্রকাশিত প্রথম উপন্যাস কে লিখেছিলেন?",
           "নদীটি সমুদ্রে পৌঁছানোর আগে রাজধানীর মধ্য দিয়ে প্রবাহিত হয়।",
           "১৯০৫ সালে রেলপথ বন্দরটিকে অভ্যন্তরের খনি শহরগুলোর সঙ্গে যুক্ত করে।",
           "রাজা বিশ্ববিদ্যালয়টি প্রতিষ্ঠা করেন এবং সেখানে প্রায় ত্রিশ হাজার ছাত্র পড়ে।"],
    "fi": ["Kuka kirjoitti maassa julkaistun ensimmäisen romaanin?",
           "Joki virtaa pääkaupungin läpi ennen kuin se saavuttaa meren.",
           "Vuonna 1905 rautatie yhdisti sataman sisämaan kaivoskaupunkeihin.",
           "Kuningas perusti yliopiston, jossa opiskelee noin kolmekymmentätuhatta opiskelijaa."],
    "ja": ["国内で出版された最初の小説を書いたのは誰ですか？",
           "その川は海に達する前に首都を流れる。",
           "1905年、鉄道が港と内陸の鉱山町を結んだ。",
           "大学は国王によって設立され、約三万人の学生が在籍している。"],
    "ko": ["국내에서 출판된 최초의 소설을 쓴 사람은 누구인가?",
           "그 강은 바다에 이르기 전에 수도를 지나 흐른다.",
           "1905년 철도가 항구와 내륙의 광산 도시들을 연결했다.",
           "대학은 왕이 설립했으며 약 삼만 명의 학생이 다닌다."],
    "ru": ["Кто написал первый роман, изданный в стране?",
           "Река протекает через столицу, прежде чем впадает в море.",
           "В 1905 году железная дорога соединила порт с шахтёрскими городами внутренних районов.",
           "Университет был основан королём, в нём учится около тридцати тысяч студентов."],
    "te": ["దేశంలో ప్రచురించబడిన మొదటి నవల ఎవరు రాశారు?",
           "నది సముద్రాన్ని చేరే ముందు రాజధాని గుండా ప్రవహిస్తుంది.",
           "1905లో రైల్వే ఓడరేవును లోతట్టు ప్రాంతాల గని పట్టణాలతో కలిపింది.",
           "రాజు విశ్వవిద్యాలయాన్ని స్థాపించాడు, అందులో సుమారు ముప్పై వేల మంది విద్యార్థులు చదువుతున్నారు."],
}


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


def select_backend(backend: str | None = "auto", device: str | None = "auto") -> Backend:
    """The backend to encode with: ``backend`` checked, or for "auto" (None, "") the fastest fitting one.

    "auto" is "torch" on CUDA or where onnxruntime is not installed, else :data:`DEFAULT_CPU_BACKEND`.
    An ONNX Runtime backend with a CUDA device is a ValueError (this backend runs on the CPU only).
    """
    if backend and backend != "auto":
        if backend not in BACKENDS:
            raise ValueError(f"unknown encoder backend {backend!r}; expected auto, {', '.join(BACKENDS)}")
        if backend in ONNX_BACKENDS and device and device not in ("auto", "cpu"):
            raise ValueError(f"backend {backend!r} runs on the CPU; got device {device!r} (use backend 'torch')")
        return backend  # type: ignore[return-value]
    if resolve_device(device).type != "cpu" or not onnxruntime_available():
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
    """Where exports of ``model`` go unless told: beside a local folder, else ~/.cache/xqg/onnx."""
    if env := os.environ.get(CACHE_ENV):
        return Path(env) / _safe_name(model)
    if Path(model).is_dir():
        folder = Path(model).resolve()
        if os.access(folder.parent, os.W_OK):
            return folder.with_name(folder.name + ".onnx")
    return Path.home() / ".cache" / "xqg" / "onnx" / _safe_name(model)


def _safe_name(model: str) -> str:
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(model).name or model)
    return f"{name}-{hashlib.sha256(str(Path(model).resolve() if Path(model).is_dir() else model).encode()).hexdigest()[:8]}"


@contextlib.contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_export(model: str, settings: ExportSettings, cache_dir: str | os.PathLike | None = None) -> Path:
    """The ONNX file of ``model`` exported with ``settings``: from the cache, or exported now."""
    folder = model_folder(model)
    key, content = export_key(folder, settings)
    root = Path(cache_dir) / _safe_name(model) if cache_dir is not None else default_cache_dir(model)
    target = root / key
    onnx_path = target / "model.onnx"
    if _complete(target, key):
        return onnx_path
    with _locked(root / f".{key}.lock"):
        if _complete(target, key):  # another process built it meanwhile
            return onnx_path
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
        tmp.chmod(0o755)
        try:
            log.info("exporting %s to ONNX (%s) in %s", model, settings.backend, target)
            _export(folder, settings, tmp)
            (tmp / "export.json").write_text(json.dumps({"key": key, "model": str(model), **content}, indent=2, sort_keys=True))
            if target.exists():  # incomplete leftover
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return onnx_path


def _complete(target: Path, key: str) -> bool:
    try:
        return json.loads((target / "export.json").read_text())["key"] == key and (target / "model.onnx").is_file()
    except (OSError, ValueError, KeyError):
        return False


# ----------------------------------------------------------------------------- export

def _export(folder: Path, settings: ExportSettings, out: Path) -> None:
    tokenizer, encoder = load_encoder(str(folder), local_files_only=True)
    encoder = encoder.float().eval()
    if settings.backend == "onnxruntime-int8":
        length = min(settings.calibration_length, _max_tokens(encoder.config))
        maxima = _activation_maxima(encoder, tokenizer, length, _int8_linears(encoder))
        _smooth(encoder, maxima, settings.smoothing_alpha)
    graph = _Pooled(encoder, settings.pooling, settings.normalize).eval()
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    start = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else pad_id + 1
    input_ids = torch.tensor([[start, 5, 6, 7, 8, 9], [start, 5, 6, pad_id, pad_id, pad_id]]) % encoder.config.vocab_size
    attention_mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]])  # padding in the trace: the mask path is kept
    fp32_path = out / ("model.onnx" if settings.backend == "onnxruntime" else "model.fp32.onnx")
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer and deprecation warnings: the trace is checked against torch below
        torch.onnx.export(
            graph, (input_ids, attention_mask), str(fp32_path), input_names=["input_ids", "attention_mask"],
            output_names=["embedding"], opset_version=settings.opset, do_constant_folding=True, dynamo=False,
            dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}, "embedding": {0: "batch"}},
        )
    _check_trace(fp32_path, graph, start, pad_id)
    if settings.backend == "onnxruntime-int8":
        _quantize(fp32_path, out / "model.onnx", settings.weight_type, fp32_in_features=encoder.config.intermediate_size)
        fp32_path.unlink()


def _check_trace(path: Path, graph: torch.nn.Module, start: int, pad_id: int) -> None:
    """The fp32 export must reproduce torch on shapes other than the trace's (batch 3 x 11, with and without
    padding): a trace that froze a shape or a branch is refused here, before anything is cached."""
    import onnxruntime as ort

    vocab = graph.encoder.config.vocab_size
    input_ids = (torch.arange(33).reshape(3, 11) * 7 + 3) % vocab
    input_ids[:, 0] = start
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 4:], attention_mask[2, 9:] = 0, 0
    input_ids[attention_mask == 0] = pad_id
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    got = session.run(None, {"input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy()})[0]
    with torch.inference_mode():
        expected = graph(input_ids, attention_mask).float().numpy()
    scale = max(float(np.abs(expected).max()), 1.0)
    if not np.allclose(got, expected, atol=1e-4 * scale, rtol=1e-3):
        raise RuntimeError(f"{path}: the ONNX export differs from torch by up to {np.abs(got - expected).max():.2e}; not cached")


class _Pooled(torch.nn.Module):
    """Encoder + the spec's pooling and normalisation (the torch path's :func:`xqg.encoder_spec.embed`), traceable."""

    def __init__(self, encoder: torch.nn.Module, pooling: str, normalize: bool):
        super().__init__()
        self.encoder = encoder
        self.spec = EncoderSpec("", pooling=pooling, normalize=normalize)  # type: ignore[arg-type]

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return embed(self.encoder, {"input_ids": input_ids, "attention_mask": attention_mask}, self.spec)


class _Smoothed(torch.nn.Module):
    """A linear layer as ``(x / s) (W s)^T + b``: the same function, activation outliers moved into W."""

    def __init__(self, linear: torch.nn.Linear, scale: torch.Tensor):
        super().__init__()
        self.linear = linear
        self.register_buffer("inverse_scale", (1.0 / scale).to(linear.weight.dtype))
        with torch.no_grad():
            linear.weight.mul_(scale.to(linear.weight.dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x * self.inverse_scale)


def _calibration_texts() -> list[str]:
    """Sentences alone (queries) and joined into passages (each language, and English in four orders)."""
    sentences = [sentence for group in CALIBRATION_SENTENCES.values() for sentence in group]
    english = CALIBRATION_SENTENCES["en"]
    passages = [" ".join(group * 3) for group in CALIBRATION_SENTENCES.values()]
    passages += [" ".join(english[start::4] + english[:start:4]) for start in range(4)]
    return sentences + [f"query: {s}" for s in sentences[::2]] + passages + [f"passage: {p}" for p in passages]


def _max_tokens(config) -> int:
    """The longest sequence the position embeddings allow (RoBERTa-style positions start after the padding id)."""
    offset = config.pad_token_id + 1 if config.model_type in ("roberta", "xlm-roberta") else 0
    return config.max_position_embeddings - offset


def _int8_linears(encoder: torch.nn.Module) -> list[str]:
    """The linear layers that run in int8: all but the FFN down-projections (input width = intermediate size).

    The down-projection's input, the GELU output, has input-dependent outlier channels: with it in int8
    the cosine to fp32 drops to ~0.998 on multilingual-e5-small even after smoothing; without, ~0.9997.
    """
    skip = getattr(encoder.config, "intermediate_size", None)
    return [name for name, module in encoder.named_modules() if isinstance(module, torch.nn.Linear) and module.in_features != skip]


def _activation_maxima(encoder: torch.nn.Module, tokenizer, max_length: int, names: Sequence[str]) -> dict[str, torch.Tensor]:
    """Per input channel max |x| of the linear layers ``names`` of ``encoder`` over the calibration texts."""
    from xqg.encoding import _pad, length_sorted_batches

    maxima: dict[str, torch.Tensor] = {}

    def record(name):
        def hook(module, args):
            value = args[0].detach().abs().flatten(0, -2).amax(dim=0).float()
            maxima[name] = value if name not in maxima else torch.maximum(maxima[name], value)
        return hook

    handles = [encoder.get_submodule(name).register_forward_pre_hook(record(name)) for name in names]
    try:
        ids = tokenizer(_calibration_texts(), truncation=True, max_length=max_length)["input_ids"]
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        spec = EncoderSpec("", pooling="cls")
        with torch.inference_mode():
            for batch in length_sorted_batches([len(i) for i in ids], 16):
                embed(encoder, _pad([ids[i] for i in batch], pad_id, torch.device("cpu")), spec)
    finally:
        for handle in handles:
            handle.remove()
    return maxima


def _smooth(encoder: torch.nn.Module, maxima: dict[str, torch.Tensor], alpha: float) -> None:
    """SmoothQuant in place: each linear computes ``(x / s) (W s)^T + b``, the same function."""
    for name, activation_max in maxima.items():
        parent_name, _, child = name.rpartition(".")
        parent = encoder.get_submodule(parent_name)
        linear = getattr(parent, child)
        weight_max = linear.weight.detach().abs().amax(dim=0).float().clamp(min=1e-5)
        scale = (activation_max.clamp(min=1e-5) ** alpha / weight_max ** (1 - alpha)).clamp(min=1e-5)
        setattr(parent, child, _Smoothed(linear, scale))


def _quantize(source: Path, target: Path, weight_type: str, *, fp32_in_features: int | None) -> None:
    """Dynamic int8 quantisation of the MatMuls with a weight matrix, except those whose weight has
    ``fp32_in_features`` rows (the FFN down-projections, see :func:`_int8_linears`)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source)).graph
    shapes = {init.name: tuple(init.dims) for init in graph.initializer}
    keep_fp32 = [node.name for node in graph.node
                 if node.op_type == "MatMul" and len(shapes.get(node.input[1], ())) == 2 and shapes[node.input[1]][0] == fp32_in_features]
    quantize_dynamic(
        str(source), str(target), weight_type=QuantType.QInt8 if weight_type == "int8" else QuantType.QUInt8, per_channel=True,
        op_types_to_quantize=["MatMul"], nodes_to_exclude=keep_fp32,
        extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT},
    )


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


@functools.lru_cache(maxsize=2)
def load_tokenizer(model: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model, trust_remote_code=False, local_files_only=Path(model).is_dir())


def _threads(threads: int | None) -> int:
    if threads is not None:
        return threads
    return torch.get_num_threads()  # what the torch path uses (callers set it with torch.set_num_threads)


def encode_prepared(
    texts: Sequence[str], max_length: int, spec: EncoderSpec, *, batch_size: int, backend: Backend = "onnxruntime-int8",
    threads: int | None = None, cache_dir: str | os.PathLike | None = None, weight_type: WeightType | None = None, bar=None,
) -> np.ndarray:
    """:func:`xqg.encoding.encode_prepared` on ONNX Runtime: texts already carry their prefix; float32 in input order."""
    from xqg.encoding import length_sorted_batches
    from xqg.truncation import record_truncation

    session = load_session(str(ensure_export(spec.model, ExportSettings.for_spec(spec, backend, weight_type=weight_type), cache_dir)),
                           _threads(threads))
    dim = session.get_outputs()[0].shape[-1]
    if not texts:
        return np.empty((0, dim), dtype=np.float32)
    tokenizer = load_tokenizer(spec.model)
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
        input_ids = np.full((len(batch), width), pad_id, dtype=np.int64)
        attention_mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, i in enumerate(batch):
            input_ids[row, : len(token_ids[i])] = token_ids[i]
            attention_mask[row, : len(token_ids[i])] = 1
        encoded[batch] = session.run(None, {"input_ids": input_ids, "attention_mask": attention_mask})[0]
        if bar is not None:
            bar.update(int(counts[batch].sum()))
    return encoded[rows]


def encode_texts(texts: Sequence[str], spec: EncoderSpec, *, kind: str, backend: str = DEFAULT_CPU_BACKEND,
                 cache_dir: str | os.PathLike | None = None, weight_type: WeightType | None = None, **options) -> np.ndarray:
    """:func:`xqg.encoding.encode_texts` on ONNX Runtime: float32 (len(texts), dim), rows in input order.

    ``options`` are the fields of :class:`xqg.encoding.EncodingOptions`; ``device`` must be "auto" or
    "cpu" and ``precision`` "auto" or "fp32" (the backend decides fp32 or int8). ``backend="torch"``
    hands over to :func:`xqg.encoding.encode_texts`.
    """
    from tqdm.auto import tqdm

    from xqg import encoding

    run = encoding.EncodingOptions(**{k: v for k, v in options.items() if k != "backend"})
    chosen = select_backend(backend, run.device)
    if chosen == "torch":
        return encoding.encode_texts(texts, spec, kind=kind, **{k: v for k, v in options.items() if k != "backend"})
    if run.precision not in ("auto", "fp32"):
        raise ValueError(f"backend {chosen!r} computes in fp32 or int8; precision {run.precision!r} needs backend 'torch'")
    texts = list(texts)
    prepared, max_length = encoding._prepare(texts, spec, kind)  # type: ignore[arg-type]
    with tqdm(total=len(texts), desc=f"encode {kind}s ({chosen})", unit=kind, disable=not run.progress) as bar:
        return encode_prepared(prepared, max_length, spec, batch_size=run.batch_size, backend=chosen, threads=run.threads,
                               cache_dir=cache_dir, weight_type=weight_type, bar=bar)
