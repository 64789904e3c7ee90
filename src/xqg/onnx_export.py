"""The ONNX export behind :mod:`xqg.onnx_encoder`: the encoder plus pooling traced to ONNX, and for int8
SmoothQuant calibration and dynamic quantisation (the method is described in that module's docstring).
Nothing here is loaded with ``trust_remote_code``; the export is checked against torch before it is
cached."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from xqg.encoder_spec import EncoderSpec, embed, load_encoder
from xqg.probe_sentences import SENTENCES

WORD_EMBEDDINGS = "word_embeddings.npy"  # float32 (vocabulary, hidden): the rows the graph's input is looked up in
POSITIONS = "positions.json"  # how the position ids the graph takes follow from the token ids (position_ids)

# Activation ranges for SmoothQuant: short query-like sentences and, per language, all of them as one
# passage-like text, in the XOR-TyDi languages and English.
CALIBRATION_SENTENCES = SENTENCES


# ----------------------------------------------------------------------------- export

def export_model(folder: Path, settings, out: Path) -> None:
    """Export the encoder in FOLDER as SETTINGS (an :class:`xqg.onnx_encoder.ExportSettings`) say, into OUT."""
    tokenizer, encoder = load_encoder(str(folder), local_files_only=True)
    encoder = encoder.float().eval()
    if settings.backend == "onnxruntime-int8":
        length = min(settings.calibration_length, _max_tokens(encoder.config))
        maxima = _activation_maxima(encoder, tokenizer, length, _int8_linears(encoder))
        _smooth(encoder, maxima, settings.smoothing_alpha)
    graph = _Pooled(encoder, settings.pooling, settings.normalize).eval()
    # The word-embedding matrix (250k x 384 of multilingual-e5-small's 118M parameters) stays out of the
    # graph: a lookup in numpy (xqg.onnx_encoder) feeds the graph its rows. The graph is then a tenth of
    # the size, so exporting, quantising and loading it are several times faster, and its output is the same.
    # Position ids are an input too, computed from the token ids as the model does (RoBERTa-style models
    # count from after the padding id and give padding tokens the padding position).
    words = encoder.get_input_embeddings().weight.detach().float()
    np.save(out / WORD_EMBEDDINGS, words.numpy())
    positions = _position_style(encoder)
    (out / POSITIONS).write_text(json.dumps(positions), encoding="utf-8")
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    start = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else pad_id + 1
    input_ids = torch.tensor([[start, 5, 6, 7, 8, 9], [start, 5, 6, pad_id, pad_id, pad_id]]) % encoder.config.vocab_size
    attention_mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]])  # padding in the trace: the mask path is kept
    example = (words[input_ids], attention_mask, torch.from_numpy(position_ids(input_ids.numpy(), positions)))
    fp32_path = out / ("model.onnx" if settings.backend == "onnxruntime" else "model.fp32.onnx")
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer and deprecation warnings: the trace is checked against torch below
        torch.onnx.export(
            graph, example, str(fp32_path), input_names=list(GRAPH_INPUTS), output_names=["embedding"],
            opset_version=settings.opset, do_constant_folding=True, dynamo=False,
            dynamic_axes={**{name: {0: "batch", 1: "sequence"} for name in GRAPH_INPUTS}, "embedding": {0: "batch"}},
        )
    _check_trace(fp32_path, graph, words, positions, start, pad_id)
    if settings.backend == "onnxruntime-int8":
        _quantize(fp32_path, out / "model.onnx", settings.weight_type, fp32_in_features=encoder.config.intermediate_size)
        fp32_path.unlink()


GRAPH_INPUTS = ("inputs_embeds", "attention_mask", "position_ids")


def graph_inputs(input_ids: np.ndarray, attention_mask: np.ndarray, words: np.ndarray, positions: dict) -> dict[str, np.ndarray]:
    """The export's inputs for a padded batch of token ids: their word embeddings, the mask, their positions."""
    return {"inputs_embeds": np.asarray(words[input_ids], dtype=np.float32), "attention_mask": attention_mask.astype(np.int64),
            "position_ids": position_ids(input_ids, positions)}


def position_ids(input_ids: np.ndarray, positions: dict) -> np.ndarray:
    """Position ids of a batch of token ids, as the model computes them (``positions``: :func:`_position_style`)."""
    if positions["style"] == "absolute":
        return np.broadcast_to(np.arange(input_ids.shape[1], dtype=np.int64), input_ids.shape).copy()
    padding_idx = positions["padding_idx"]
    real = (input_ids != padding_idx).astype(np.int64)
    return np.cumsum(real, axis=1) * real + padding_idx


def _position_style(encoder: torch.nn.Module) -> dict:
    embeddings = getattr(encoder, "embeddings", None)
    if hasattr(embeddings, "create_position_ids_from_input_ids"):  # RoBERTa, XLM-R
        return {"style": "after_padding", "padding_idx": int(embeddings.padding_idx)}
    return {"style": "absolute"}


def _check_trace(path: Path, graph: torch.nn.Module, words: torch.Tensor, positions: dict, start: int, pad_id: int) -> None:
    """The fp32 export must reproduce torch on shapes other than the trace's (batch 3 x 11, with and without
    padding): a trace that froze a shape or a branch is refused here, before anything is cached. Torch gets
    the token ids, the export their rows of ``words``: the lookup outside the graph is checked too."""
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
    got = session.run(None, graph_inputs(input_ids.numpy(), attention_mask.numpy(), words.numpy(), positions))[0]
    with torch.inference_mode():
        expected = embed(graph.encoder, {"input_ids": input_ids, "attention_mask": attention_mask}, graph.spec).float().numpy()
    scale = max(float(np.abs(expected).max()), 1.0)
    if not np.allclose(got, expected, atol=1e-4 * scale, rtol=1e-3):
        raise RuntimeError(f"{path}: the ONNX export differs from torch by up to {np.abs(got - expected).max():.2e}; not cached")


class _Pooled(torch.nn.Module):
    """Encoder (from word embeddings) + the spec's pooling and normalisation (the torch path's
    :func:`xqg.encoder_spec.embed`), traceable."""

    def __init__(self, encoder: torch.nn.Module, pooling: str, normalize: bool):
        super().__init__()
        self.encoder = encoder
        self.spec = EncoderSpec("", pooling=pooling, normalize=normalize)  # type: ignore[arg-type]

    def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor, position_ids: torch.Tensor) -> torch.Tensor:
        batch = {"inputs_embeds": inputs_embeds, "attention_mask": attention_mask, "position_ids": position_ids}
        return embed(self.encoder, batch, self.spec)


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
    from xqg.batching import length_sorted_batches
    from xqg.encoding import _pad

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
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser logs a line per tensor, and generic advice, on the root logger (the rule's log)
    try:
        quantize_dynamic(
            str(source), str(target), weight_type=QuantType.QInt8 if weight_type == "int8" else QuantType.QUInt8, per_channel=True,
            op_types_to_quantize=["MatMul"], nodes_to_exclude=keep_fp32,
            extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.setLevel(level)
