"""Rule mine_hard_negatives: BM25 hard negatives (bm25s) for the retriever's training queries."""

import json

from xqg.files import atomic_open
from xqg.formats import read_passages, read_qrels
from xqg.retriever.hard_negatives import mine_bm25_negatives
from xqg.retriever.training_data import read_training_queries
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.settings  # xqg.settings.sections.HardNegativeSettings
    passages = read_passages(snakemake.input.corpus)
    queries = read_training_queries(snakemake.input.questions, read_qrels(snakemake.input.qrels))
    if settings.mode == "none":
        negatives = {q.id: [] for q in queries}
    else:
        negatives = mine_bm25_negatives(
            [(q.id, q.text) for q in queries],
            passages,
            {q.id: set(q.positives) for q in queries},
            depth=settings.depth,
            mode=settings.mode,
            answers={q.id: q.answers for q in queries},
            source=snakemake.input.corpus,
        )
    found = sum(1 for v in negatives.values() if v)
    log.info("mined negatives for %d of %d queries", found, len(queries))
    with atomic_open(snakemake.output[0]) as handle:
        json.dump(negatives, handle, ensure_ascii=False)
