"""The ONNX export behind :mod:`xqg.onnx_encoder`: the encoder plus pooling traced to ONNX, and for int8
SmoothQuant calibration and dynamic quantisation (the method is described in that module's docstring).
Nothing here is loaded with ``trust_remote_code``; the export is checked against torch before it is
cached."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from xqg.encoder_spec import EncoderSpec, embed, load_encoder

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
