"""Rule search: faiss inner-product search of one system's index for one language's query sets."""

from xqg.formats import write_trec_run
from xqg.rule_logging import rule_log
from xqg.search import SearchConfig, search_shards
from xqg.vectors import read_ids, read_vectors

with rule_log(snakemake.log[0]) as log:
    config = SearchConfig(**snakemake.params.search)

    def shards():
        for vectors_path, ids_path in zip(snakemake.input.shards, snakemake.input.passage_ids, strict=True):
            ids = read_ids(ids_path)
            _, vectors = read_vectors(vectors_path, ids_path=ids_path)
            yield ids, vectors

    run = {}
    for path in snakemake.input.queries:
        query_ids, queries = read_vectors(path)
        scores, rankings = search_shards(queries, shards(), config)
        for qid, row_scores, ranking in zip(query_ids, scores, rankings, strict=True):
            if qid in run:
                raise ValueError(f"{path}: query id {qid!r} occurs in two query sets")
            run[qid] = list(zip(ranking, row_scores.tolist()))
        log.info("%s: searched %d queries, depth %d", path, len(query_ids), config.depth)
    tag = "/".join(snakemake.output[0].split("/")[-7:-2])
    write_trec_run(snakemake.output[0], run, tag=tag.replace("/", ":"))
