"""``python -m xqg.embedded_benchmark OUT_DIR [--seed N ...]``: write the embedded benchmark."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from xqg.embedded_benchmark.builder import (
    DEFAULT_DEV_PER_LANGUAGE,
    DEFAULT_DISTRACTORS,
    DEFAULT_MAX_ANSWER_PASSAGES,
    DEFAULT_TRAIN_PER_LANGUAGE,
    build_embedded_benchmark,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m xqg.embedded_benchmark", description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--dev-per-language", type=int, default=DEFAULT_DEV_PER_LANGUAGE)
    parser.add_argument("--train-per-language", type=int, default=DEFAULT_TRAIN_PER_LANGUAGE)
    parser.add_argument("--distractors", type=int, default=DEFAULT_DISTRACTORS)
    parser.add_argument("--max-answer-passages", type=int, default=DEFAULT_MAX_ANSWER_PASSAGES)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    files = build_embedded_benchmark(
        args.out_dir, seed=args.seed, dev_per_language=args.dev_per_language,
        train_per_language=args.train_per_language, distractors=args.distractors,
        max_answer_passages=args.max_answer_passages,
    )
    for path in vars(files).values():
        print(path)


if __name__ == "__main__":
    main()
