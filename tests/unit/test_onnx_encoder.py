"""xqg.onnx_encoder on tiny random BERT and XLM-R encoders (tests/unit/conftest.py, no downloads): the ONNX
Runtime backends against the torch path, and the export cache."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from tests.helpers.tiny_encoders import SENTENCES, save_tiny_encoder
from xqg import onnx_encoder
from xqg.encoder_spec import EncoderSpec
from xqg.encoding import encode_texts, load_model
from xqg.onnx_encoder import ExportSettings, ensure_export, select_backend, weights_sha256

pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.usefixtures("one_thread")

TEXTS = SENTENCES + SENTENCES[:3]  # repeated texts are encoded once and copied


def _spec(model: str, **overrides) -> EncoderSpec:
    return EncoderSpec(model, **({"pooling": "mean", "max_query_length": 16, "max_passage_length": 24} | overrides))


def _torch(texts, spec, kind="passage"):
    return encode_texts(texts, spec, kind=kind, batch_size=3, precision="fp32", device="cpu", progress=False)


def _onnx(texts, spec, backend, kind="passage", **options):
    return encode_texts(texts, spec, kind=kind, backend=backend, batch_size=3, progress=False, **options)


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_fp32_export_matches_torch(tiny_model, pooling, normalize):
    spec = _spec(tiny_model, pooling=pooling, normalize=normalize, query_prefix="q: ", passage_prefix="p: ")
    for kind in ("query", "passage"):
        expected, got = _torch(TEXTS, spec, kind), _onnx(TEXTS, spec, "onnxruntime", kind)
        assert got.shape == expected.shape == (len(TEXTS), 16) and got.dtype == np.float32
        np.testing.assert_allclose(got, expected, atol=1e-5)
        assert _cosine(got, expected).min() >= 0.99999


def test_batching_and_lengths(tiny_model):
    """Length-sorted batches of any size, one-by-one, a batch without padding and a longer sequence than the trace."""
    spec = _spec(tiny_model, max_passage_length=40)
    batched = _onnx(TEXTS, spec, "onnxruntime")
    single = np.stack([_onnx([text], spec, "onnxruntime")[0] for text in TEXTS])
    np.testing.assert_allclose(batched, single, atol=1e-5)
    long_text = " ".join(SENTENCES)  # ~60 words: past the 6-token trace, truncated at 40 tokens
    np.testing.assert_allclose(_onnx([long_text], spec, "onnxruntime"), _torch([long_text], spec), atol=1e-5)
    assert _onnx([], spec, "onnxruntime").shape == (0, 16)


@pytest.mark.parametrize("weight_type", ["int8", "uint8"])
@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_int8_close_to_torch(tiny_model, pooling, weight_type):
    spec = _spec(tiny_model, pooling=pooling, normalize=True)
    expected = _torch(TEXTS, spec)
    got = _onnx(TEXTS, spec, "onnxruntime-int8", onnx_weight_type=weight_type)
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert _cosine(got, expected).min() >= 0.999
    assert not np.allclose(got, expected, atol=1e-6)  # it is quantised


def test_int8_calibration_fits_the_model(tiny_model):
    """The spec's default 128 tokens exceed the tiny models' positions: calibration stops at the model's limit."""
    spec = EncoderSpec(tiny_model, pooling="mean", normalize=True)
    assert _cosine(_onnx(SENTENCES, spec, "onnxruntime-int8"), _torch(SENTENCES, spec)).min() >= 0.999


def test_int8_graph_keeps_ffn_down_projection_in_fp32(tiny_model):
    import onnx

    path = ensure_export(tiny_model, ExportSettings.for_spec(_spec(tiny_model), "onnxruntime-int8", weight_type="int8"))
    ops = [node.op_type for node in onnx.load(str(path)).graph.node]
    config = load_model(tiny_model, "cpu")[1].config
    # per layer: Q, K, V, attention output and FFN up-projection in int8; the FFN down-projection in fp32
    assert ops.count("DynamicQuantizeMatMul") + ops.count("MatMulInteger") == 5 * config.num_hidden_layers


def test_export_cache_reused_then_rebuilt_when_weights_change(tmp_path, monkeypatch):
    model = save_tiny_encoder(tmp_path / "model", "bert")
    cache = tmp_path / "cache"
    spec = _spec(model, pooling="cls")
    settings = ExportSettings.for_spec(spec, "onnxruntime")
    exports = []
    real_export = onnx_encoder.export_model
    monkeypatch.setattr(onnx_encoder, "export_model", lambda *args: (exports.append(args), real_export(*args)))

    first = ensure_export(model, settings, cache)
    assert ensure_export(model, settings, cache) == first and len(exports) == 1  # reused
    record = json.loads((first.parent / "export.json").read_text())
    assert record["weights"] == weights_sha256(model) and record["settings"]["pooling"] == "cls"
    before = _onnx(TEXTS, spec, "onnxruntime", onnx_cache_dir=str(cache))

    other = ensure_export(model, ExportSettings.for_spec(_spec(model, pooling="mean"), "onnxruntime"), cache)
    assert other != first and len(exports) == 2  # a different setting is a different export

    _, encoder = load_model(model, "cpu")
    with torch.no_grad():
        encoder.embeddings.word_embeddings.weight.mul_(1.5)
    encoder.save_pretrained(model)  # same folder, new weights
    load_model.cache_clear()
    rebuilt = ensure_export(model, settings, cache)
    assert rebuilt != first and len(exports) == 3
    after = _onnx(TEXTS, spec, "onnxruntime", onnx_cache_dir=str(cache))
    assert not np.allclose(after, before, atol=1e-4)
    np.testing.assert_allclose(after, _torch(TEXTS, spec), atol=1e-5)
    load_model.cache_clear()


def test_incomplete_export_is_rebuilt(tmp_path):
    model = save_tiny_encoder(tmp_path / "model", "xlm-roberta")
    settings = ExportSettings.for_spec(_spec(model), "onnxruntime")
    path = ensure_export(model, settings, tmp_path / "cache")
    (path.parent / "export.json").unlink()  # as if a copy had been interrupted
    assert ensure_export(model, settings, tmp_path / "cache") == path and (path.parent / "export.json").is_file()


def test_default_cache_is_beside_the_model_folder(tiny_model, monkeypatch):
    monkeypatch.delenv(onnx_encoder.CACHE_ENV, raising=False)
    path = ensure_export(tiny_model, ExportSettings.for_spec(_spec(tiny_model), "onnxruntime"))
    assert path.parent.parent.name == f"{onnx_encoder.Path(tiny_model).name}.onnx"


def test_select_backend(tmp_path):
    assert select_backend("torch", "cuda") == "torch"
    assert select_backend("onnxruntime", "cpu") == "onnxruntime"
    assert select_backend("auto", "cpu") == onnx_encoder.DEFAULT_CPU_BACKEND
    assert select_backend(None, "cuda") == "torch"
    assert select_backend("auto", "cpu", "bf16") == "torch"  # bf16/fp16 are torch's
    with pytest.raises(ValueError, match="fp32 or int8"):
        select_backend("onnxruntime-int8", "cpu", "fp16")
    with pytest.raises(ValueError, match="unknown encoder backend"):
        select_backend("tensorrt")
    with pytest.raises(ValueError, match="runs on the CPU"):
        select_backend("onnxruntime-int8", "cuda")
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags\t\t: fpu avx2 fma\n")
    assert not onnx_encoder.cpu_has_vnni(cpuinfo)
    cpuinfo.write_text("flags\t\t: fpu avx2 avx512f avx512_vnni\n")
    assert onnx_encoder.cpu_has_vnni(cpuinfo)


def test_options_checked(tiny_model):
    spec = _spec(tiny_model)
    with pytest.raises(ValueError, match="precision"):
        _onnx(TEXTS, spec, "onnxruntime", precision="bf16")
    with pytest.raises(ValueError, match="runs on the CPU"):
        _onnx(TEXTS, spec, "onnxruntime", device="cuda")
    np.testing.assert_array_equal(_onnx(TEXTS, spec, "torch", precision="fp32"), _torch(TEXTS, spec))
