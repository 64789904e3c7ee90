"""Rule search: faiss inner-product search of one system's index for one language's query sets."""

import numpy as np

from xqg.formats import write_trec_run
from xqg.rule_logging import rule_log
from xqg.search import SearchConfig, search_shards
from xqg.vectors import read_vectors

with rule_log(snakemake.log[0]) as log:
    config = SearchConfig(**snakemake.params.search._asdict())  # xqg.settings.sections.SearchSettings
    w = snakemake.wildcards
    query_ids, query_vectors = [], []
    for path in snakemake.input.queries:  # all query sets in one pass: each shard's index is built once
        ids, vectors = read_vectors(path, mmap=False)
        query_ids += ids
        query_vectors.append(vectors)
    if len(set(query_ids)) != len(query_ids):
        raise ValueError(f"query ids repeat across the query sets {list(snakemake.input.queries)}")
    shards = (read_vectors(shard) for shard in snakemake.input.shards)  # one shard in memory at a time
    scores, rankings = search_shards(np.concatenate(query_vectors), shards, config)
    run = {qid: list(zip(ranking, row.tolist())) for qid, row, ranking in zip(query_ids, scores, rankings, strict=True)}
    log.info("searched %d queries from %d query sets over %d shards, depth %d",
             len(query_ids), len(snakemake.input.queries), len(snakemake.input.shards), config.depth)
    write_trec_run(snakemake.output[0], run, tag=f"{w.backbone}:{w.regime}:xqg~{w.generator}:k~{w.k}:alpha~{w.alpha}")
