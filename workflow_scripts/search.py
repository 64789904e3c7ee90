"""Rule search: faiss inner-product search of one system's index for every language's query sets.

All languages' query sets are searched in one pass, so each shard is read and its index built once;
each language's run file is written on its own (the same rankings as one search per language: exact
search ranks every query independently of the others in its batch)."""

import numpy as np

from xqg.formats import write_trec_run
from xqg.rule_logging import rule_log
from xqg.search import SearchConfig, search_shards
from xqg.vectors import read_vectors

with rule_log(snakemake.log[0]) as log:
    config = SearchConfig(**snakemake.params.search._asdict())  # xqg.settings.sections.SearchSettings
    w = snakemake.wildcards
    languages = list(snakemake.output.keys())
    query_ids, query_vectors, language_of = [], [], {}
    for lang in languages:
        for path in snakemake.input[f"queries~{lang}"]:
            ids, vectors = read_vectors(path, mmap=False)
            query_ids += ids
            query_vectors.append(vectors)
            language_of.update((qid, lang) for qid in ids)
    if len(language_of) != len(query_ids):
        raise ValueError(f"query ids repeat across the query sets of {languages}: "
                         f"{[p for lang in languages for p in snakemake.input[f'queries~{lang}']]}")
    shards = (read_vectors(shard) for shard in snakemake.input.shards)  # one shard in memory at a time
    scores, rankings = search_shards(np.concatenate(query_vectors), shards, config)
    runs = {lang: {} for lang in languages}
    for qid, row, ranking in zip(query_ids, scores, rankings, strict=True):
        runs[language_of[qid]][qid] = list(zip(ranking, row.tolist()))
    tag = f"{w.backbone}:{w.regime}:xqg~{w.generator}:k~{w.k}:alpha~{w.alpha}"
    for lang in languages:
        write_trec_run(snakemake.output[lang], runs[lang], tag=tag)
        log.info("%s: %d queries", lang, len(runs[lang]))
    log.info("searched %d queries of %d languages over %d shards, depth %d",
             len(query_ids), len(languages), len(snakemake.input.shards), config.depth)
