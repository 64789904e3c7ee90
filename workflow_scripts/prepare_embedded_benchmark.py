"""Rule prepare_embedded_benchmark: the offline XOR-TyDi-shaped benchmark in the internal layout."""

import os
import tempfile
from pathlib import Path

from xqg.embedded_benchmark.builder import build_embedded_benchmark
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    out = snakemake.output
    with tempfile.TemporaryDirectory(dir=Path(out.corpus).parent) as work:
        files = build_embedded_benchmark(Path(work), **snakemake.params.settings._asdict())
        mapping = {
            "corpus": files.corpus,
            "dev": files.dev_questions,
            "train": files.train_questions,
            "qrels_dev": files.dev_qrels,
            "qrels_train": files.train_qrels,
            "pairs_train": files.train_generator_pairs,
            "pairs_dev": files.dev_generator_pairs,
            "english_train": files.english_train,
            "readme": files.readme,
        }
        for name, source in mapping.items():
            os.replace(source, out[name])
    log.info("embedded benchmark written: %s", ", ".join(str(out[name]) for name in mapping))
