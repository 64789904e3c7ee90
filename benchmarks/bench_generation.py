"""Benchmark: query generation in batches of similar passage length (``xqg.generation.sampling``: passages
sorted by encoder-input length within windows of 16 batches, records written in input order) against
batches in corpus order (what it did before), in the same run, on the same passages, model and seeds.

The generator and corpus are the embedded default's, so run it after ``make run``:

    .venv/bin/python benchmarks/bench_generation.py [--passages 256] [--repeats 1]

Prints the padded encoder tokens of both batchings, the seconds of each (best of ``--repeats``, the two
interleaved), whether the generated queries are identical, and last ``ratio: X`` (reference / ours, > 1:
ours is faster). The sampling is seeded per (passage, language, sample), so the queries should agree;
a differently padded batch may, rarely, flip a draw that lands within float rounding of a boundary
(see the sampling module's docstring), and the benchmark then counts the records that differ.
"""

from __future__ import annotations

import argparse
import time
from unittest import mock

import torch

from xqg.formats import read_passages
from xqg.generation import sampling
from xqg.generation.generator import encoder_text, load_generator
from xqg.languages import LANGUAGE_INFO

LANGUAGES = ["ar", "bn", "fi", "ja", "ko", "ru", "te"]


def corpus_order(generator, passages, lang, max_input_length, batch_size):
    """The reference: batches of consecutive passages."""
    return [list(range(start, min(start + batch_size, len(passages)))) for start in range(0, len(passages), batch_size)]


def padded_tokens(generator, passages, batches, max_input_length) -> int:
    texts = [encoder_text(p.title, p.text, LANGUAGES[0], generator.metadata.prompt_style) for p in passages]
    lengths = [len(ids) for ids in generator.tokenizer(texts, truncation=True, max_length=max_input_length)["input_ids"]]
    return sum(len(batch) * max(lengths[i] for i in batch) for batch in batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="results/embedded/generators/neural/model")
    parser.add_argument("--corpus", default="results/embedded/data/corpus.tsv")
    parser.add_argument("--passages", type=int, default=256, help="the first N passages of the corpus")
    parser.add_argument("--batch-size", type=int, default=32, help="passages a batch (generation.batch_size)")
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--max-input-length", type=int, default=256)
    parser.add_argument("--samples", type=int, default=2, help="queries per passage and language")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the workflow's generation jobs: 1)")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    assert set(LANGUAGES) <= set(LANGUAGE_INFO)
    torch.set_num_threads(args.threads)
    passages = read_passages(args.corpus)[: args.passages]
    options = dict(n_samples=args.samples, top_k=10, max_new_tokens=args.max_new_tokens,
                   max_input_length=args.max_input_length, batch_size=args.batch_size, seed=313, progress=False)
    generator = load_generator(args.model)
    window = args.batch_size * sampling.LENGTH_WINDOW_BATCHES
    ours_tokens = reference_tokens = 0
    for start in range(0, len(passages), window):
        chunk = passages[start:start + window]
        ours_tokens += padded_tokens(generator, chunk, sampling._length_sorted_batches(
            generator, chunk, LANGUAGES[0], args.max_input_length, args.batch_size), args.max_input_length)
        reference_tokens += padded_tokens(generator, chunk, corpus_order(
            generator, chunk, LANGUAGES[0], args.max_input_length, args.batch_size), args.max_input_length)
    print(f"{len(passages)} passages x {len(LANGUAGES)} languages x {args.samples} samples, batch {args.batch_size}, "
          f"{args.threads} thread(s)")
    print(f"padded encoder tokens: ours {ours_tokens}, reference {reference_tokens} ({ours_tokens / reference_tokens:.3f})")

    def run(reference: bool):
        start = time.perf_counter()
        if reference:
            with mock.patch.object(sampling, "_length_sorted_batches", corpus_order):
                records = list(sampling.generate_queries(args.model, passages, LANGUAGES, **options))
        else:
            records = list(sampling.generate_queries(args.model, passages, LANGUAGES, **options))
        return time.perf_counter() - start, records

    times = {"ours": [], "reference": []}
    for _ in range(args.repeats):
        for name in ("reference", "ours"):
            seconds, records = run(name == "reference")
            times[name].append(seconds)
            if name == "reference":
                expected = records
            else:
                differing = sum(a != b for a, b in zip(records, expected))
    ours, reference = min(times["ours"]), min(times["reference"])
    print(f"seconds: ours {ours:.1f}, reference {reference:.1f}; records differing: {differing} of {len(expected)}")
    print(f"ratio: {reference / ours:.2f}")


if __name__ == "__main__":
    main()
