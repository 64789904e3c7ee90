"""Benchmark: what an encoding job pays before it encodes, ours against what each part replaced, in the
same run on the same model (the embedded default's backbone, so run it after ``make run``):

- tokenizer: ``xqg.tokenizer_loading.load_tokenizer`` (the cached ``TokenizersBackend`` form) against
  transformers' ``AutoTokenizer`` full load, which rebuilds XLM-R's Unigram model from its 250k pieces;
- export: ``xqg.onnx_export.export_model`` (int8, the word-embedding matrix outside the graph) against
  the same export with the embedding lookup inside the graph (what it was before);
- session: opening ONNX Runtime sessions of the two exports.

The vectors of the two exports on the dev questions and generated queries must be equal (printed), and
the two tokenizers' ids on those texts. Prints a row per part and last ``ratio: X``, the geometric mean
of the three (reference / ours, > 1: ours is faster).

    .venv/bin/python benchmarks/bench_encoder_loading.py [--model resources/backbones/me5-small]
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from xqg import onnx_export, tokenizer_loading
from xqg.encoder_spec import EncoderSpec, embed, load_encoder
from xqg.onnx_encoder import ExportSettings, encode_prepared, ensure_export, load_session


class _PooledFromIds(torch.nn.Module):
    """The reference graph: token ids in, the embedding lookup inside."""

    def __init__(self, encoder, spec):
        super().__init__()
        self.encoder, self.spec = encoder, spec

    def forward(self, input_ids, attention_mask):
        return embed(self.encoder, {"input_ids": input_ids, "attention_mask": attention_mask}, self.spec)


def reference_export(model: str, settings: ExportSettings, out: Path) -> None:
    """The export as it was: the same calibration, smoothing and quantisation, ids as the graph's input."""
    tokenizer, encoder = load_encoder(model, local_files_only=True)
    encoder = encoder.float().eval()
    length = min(settings.calibration_length, onnx_export._max_tokens(encoder.config))
    onnx_export._smooth(encoder, onnx_export._activation_maxima(encoder, tokenizer, length, onnx_export._int8_linears(encoder)),
                        settings.smoothing_alpha)
    graph = _PooledFromIds(encoder, EncoderSpec("", pooling=settings.pooling, normalize=settings.normalize)).eval()
    ids = torch.tensor([[0, 5, 6, 7, 8, 9], [0, 5, 6, 1, 1, 1]])
    mask = torch.tensor([[1] * 6, [1, 1, 1, 0, 0, 0]])
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(graph, (ids, mask), str(out / "model.fp32.onnx"), input_names=["input_ids", "attention_mask"],
                          output_names=["embedding"], opset_version=settings.opset, do_constant_folding=True, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                                        "embedding": {0: "batch"}})
    onnx_export._quantize(out / "model.fp32.onnx", out / "model.onnx", settings.weight_type,
                          fp32_in_features=encoder.config.intermediate_size)


def timed(run):
    start = time.perf_counter()
    value = run()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="resources/backbones/me5-small")
    parser.add_argument("--texts", nargs="*", default=["results/embedded/data/questions.dev.jsonl",
                                                       "results/embedded/generated/neural/shard~0.jsonl"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    texts = []
    for path in args.texts:
        for line in open(path, encoding="utf-8"):
            record = json.loads(line)
            texts += [f"query: {q}" for q in record.get("queries", [record.get("question", "")])]
    texts = list(dict.fromkeys(texts))[:4000]
    rows = []

    tokenizer_loading.load_tokenizer(args.model)  # builds the cached form if it is not there yet
    tokenizer_loading.load_tokenizer.cache_clear()
    ours_seconds, ours = timed(lambda: tokenizer_loading.load_tokenizer(args.model))
    reference_seconds, full = timed(lambda: tokenizer_loading._full_load(args.model))
    same_ids = ours(texts)["input_ids"] == full(texts)["input_ids"]
    rows.append(("tokenizer", ours_seconds, reference_seconds, f"ids equal on {len(texts)} texts: {same_ids}"))

    spec = EncoderSpec(args.model, pooling="mean", normalize=True)
    settings = ExportSettings.for_spec(spec, "onnxruntime-int8")
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as reference_dir:
        ours_seconds, path = timed(lambda: ensure_export(args.model, settings, cache))
        reference_seconds, _ = timed(lambda: reference_export(args.model, settings, Path(reference_dir)))
        rows.append(("export (int8)", ours_seconds, reference_seconds,
                     f"model.onnx {path.stat().st_size >> 20} MiB + word_embeddings.npy against "
                     f"{(Path(reference_dir) / 'model.onnx').stat().st_size >> 20} MiB"))
        ours_seconds, session = timed(lambda: load_session(str(path), 1))
        reference_seconds, reference_session = timed(lambda: load_session(str(Path(reference_dir) / "model.onnx"), 1))
        words = np.load(path.parent / onnx_export.WORD_EMBEDDINGS, mmap_mode="r")
        positions = json.loads((path.parent / onnx_export.POSITIONS).read_text())
        vectors = encode_prepared(session, lambda ids, mask: onnx_export.graph_inputs(ids, mask, words, positions), ours,
                                  texts, 32, batch_size=64)
        # the reference graph takes the token ids themselves
        reference_vectors = encode_prepared(reference_session, lambda ids, mask: {"input_ids": ids.astype(np.int64),
                                                                                  "attention_mask": mask}, full, texts, 32,
                                            batch_size=64)
        rows.append(("session", ours_seconds, reference_seconds,
                     f"vectors of {len(texts)} texts bit-identical: {np.array_equal(vectors, reference_vectors)}"))

    print(f"{'part':16s} {'ours s':>8s} {'reference s':>12s} {'ratio':>7s}  check")
    for name, ours_seconds, reference_seconds, check in rows:
        print(f"{name:16s} {ours_seconds:8.2f} {reference_seconds:12.2f} {reference_seconds / ours_seconds:7.2f}  {check}")
    print(f"ratio: {math.exp(sum(math.log(r / o) for _, o, r, _ in rows) / len(rows)):.2f}")


if __name__ == "__main__":
    main()
