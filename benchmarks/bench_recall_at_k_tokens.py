"""Time our R@kt against XOR-TyDi's official scorer on the same input; print ``ratio: X`` last.

Reference: the official ``evals/eval_xor_retrieve.py`` (AkariAsai/XORQA), imported from the path given
by ``--official`` or ``$XOR_EVAL_SCRIPT`` (default /tmp/XORQA/evals/eval_xor_retrieve.py; fetch it, it
is not part of this repository); its ``evaluate_top_k_hit`` runs for 2000 and 5000 tokens as its
``main`` does, with NLTK's own ``word_tokenize`` reading the Punkt tables :mod:`xqg.word_tokenize`
writes. Ours: :func:`xqg.evaluation.recall_at_k_tokens` for both budgets, then
:func:`summarise_recall`. Both must give identical per-language counts and hits.

Input: the real dev questions with synthetic rankings of ``--depth`` passages each from a pool of
``--pool`` synthetic passages of about 100 words; about half the questions have their answer planted in
one passage of their own at a random rank.

    python benchmarks/bench_recall_at_k_tokens.py [--questions 2110] [--pool 3000] [--depth 100]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import tempfile
import time
import types
from pathlib import Path

import nltk

from xqg.evaluation import recall_at_k_tokens, summarise_recall
from xqg.formats import read_questions
from xqg.word_tokenize import write_punkt_tab

DEFAULT_QUESTIONS = Path(__file__).resolve().parents[2] / "shared" / "data" / "xor_tydi" / "xor_dev_retrieve_eng_span_v1_1.jsonl"
VOCABULARY = ("the of and to in a was is for on as by with he that at from his it an were are which this be or "
              "has had first also new one their its after but who not they city river team film village war "
              "Paris London Tokyo Smith O'Neill 1,000 3.5 40.75% $3.88 3:00 Mr. Dr. St. U.S. e.g. don't it's "
              '"quoted" (aside) ; : , ? !').split()


def synthetic_passage(rng: random.Random, words: int = 100) -> str:
    sentences, count = [], 0
    while count < words:
        length = rng.randint(6, 20)
        sentences.append(" ".join(rng.choice(VOCABULARY) for _ in range(length)).capitalize() + ".")
        count += length
    return " ".join(sentences)


def load_official(path: Path):
    if not path.exists():
        sys.exit(f"official scorer not found at {path}: fetch AkariAsai/XORQA and pass --official PATH")
    sys.modules.setdefault("jsonlines", types.ModuleType("jsonlines"))  # only its file reader needs it
    spec = importlib.util.spec_from_file_location("official_eval_xor_retrieve", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.tqdm = lambda iterable: iterable  # same display cost on both sides: none
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official", type=Path, default=Path(os.environ.get("XOR_EVAL_SCRIPT", "/tmp/XORQA/evals/eval_xor_retrieve.py")))
    parser.add_argument("--dev-questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--questions", type=int, default=2110, help="use the first N dev questions")
    parser.add_argument("--pool", type=int, default=3000)
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    questions = read_questions(args.dev_questions)[: args.questions]
    rng = random.Random(args.seed)
    texts = {f"p{i}": synthetic_passage(rng) for i in range(args.pool)}
    rankings: dict[str, list[str]] = {}
    for question in questions:
        ranking = rng.sample(sorted(texts), args.depth)
        if question.answers and rng.random() < 0.5:
            words = synthetic_passage(rng).split(" ")
            words.insert(rng.randrange(len(words)), rng.choice(question.answers))
            texts[f"planted-{question.id}"] = " ".join(words)
            ranking[rng.randrange(args.depth)] = f"planted-{question.id}"
        rankings[question.id] = ranking
    predictions = [{"id": q.id, "lang": q.lang, "ctxs": [texts[pid] for pid in rankings[q.id]]} for q in questions]
    answers = {q.id: list(q.answers) for q in questions}

    with tempfile.TemporaryDirectory() as punkt_root:
        nltk.data.path.insert(0, str(write_punkt_tab(punkt_root)))
        official = load_official(args.official)
        nltk.word_tokenize("Warm up: load the Punkt tables.")

        start = time.perf_counter()
        reference = {budget: official.evaluate_top_k_hit(predictions, answers, budget) for budget in (2000, 5000)}
        reference_seconds = time.perf_counter() - start

    start = time.perf_counter()
    per_query = recall_at_k_tokens(questions, rankings, texts, (2000, 5000), progress=False)
    summary = summarise_recall(per_query)
    ours_seconds = time.perf_counter() - start

    ours = {budget: {row.lang: {"count": row.questions, "hit": row.hits} for row in summary[summary.token_budget == budget].itertuples() if row.lang != "avg"}
            for budget in (2000, 5000)}
    if ours != reference:
        sys.exit(f"results differ:\nreference {reference}\nours      {ours}")
    print(f"{len(questions)} questions, {args.depth} passages each, pool {args.pool}: identical per-language counts and hits")
    for budget in (2000, 5000):
        table = summary[summary.token_budget == budget].set_index("lang")["score"].round(2).to_dict()
        print(f"R@{budget // 1000}kt {table}")
    print(f"reference (official scorer): {reference_seconds:.2f} s")
    print(f"ours: {ours_seconds:.2f} s")
    print(f"ratio: {reference_seconds / ours_seconds:.1f}")


if __name__ == "__main__":
    main()
