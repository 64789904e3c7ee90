"""Rule search: faiss inner-product search of one system's index for every language's query sets.

All languages' query sets are searched in one pass over the shards, so each shard is read and its index
built once; each language is searched as its own batch (xqg.search.search_shards_grouped), so its run
file is the one a job per language would write, bit for bit."""

import numpy as np

from xqg.formats import write_trec_run
from xqg.rule_logging import rule_log
from xqg.search import SearchConfig, search_shards_grouped
from xqg.vectors import read_vectors

with rule_log(snakemake.log[0]) as log:
    config = SearchConfig(**snakemake.params.search._asdict())  # xqg.settings.sections.SearchSettings
    w = snakemake.wildcards
    languages = list(snakemake.output.keys())
    query_ids, query_vectors = {}, {}
    for lang in languages:
        ids, vectors = [], []
        for path in snakemake.input[f"queries~{lang}"]:  # the language's query sets, one batch
            set_ids, set_vectors = read_vectors(path, mmap=False)
            ids += set_ids
            vectors.append(set_vectors)
        query_ids[lang], query_vectors[lang] = ids, np.concatenate(vectors)
    every_id = [qid for lang in languages for qid in query_ids[lang]]
    if len(set(every_id)) != len(every_id):
        raise ValueError(f"query ids repeat across the query sets of {languages}: "
                         f"{[p for lang in languages for p in snakemake.input[f'queries~{lang}']]}")
    shards = (read_vectors(shard) for shard in snakemake.input.shards)  # one shard in memory at a time
    results = search_shards_grouped([query_vectors[lang] for lang in languages], shards, config)
    tag = f"{w.backbone}:{w.regime}:xqg~{w.generator}:k~{w.k}:alpha~{w.alpha}"
    for lang, (scores, rankings) in zip(languages, results, strict=True):
        run = {qid: list(zip(ranking, row.tolist())) for qid, row, ranking in zip(query_ids[lang], scores, rankings, strict=True)}
        write_trec_run(snakemake.output[lang], run, tag=tag)
        log.info("%s: %d queries", lang, len(run))
    log.info("searched %d queries of %d languages over %d shards, depth %d",
             len(every_id), len(languages), len(snakemake.input.shards), config.depth)
