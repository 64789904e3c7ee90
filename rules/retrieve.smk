# faiss inner-product search, shard by shard, one job per system and query language. The main
# systems search the clean and every attacked query set; sweep systems the clean queries only.


rule search:
    input:
        shards=index_shards,
        queries=query_vectors,
    output:
        ensure(f"{SYSTEM}/{{lang}}/run.trec", non_empty=True),
    log:
        log_path(
            "search",
            "{backbone}",
            "{regime}",
            "xqg~{generator}",
            "k~{k}",
            "alpha~{alpha}",
            "{lang}",
        ),
    benchmark:
        benchmark_path(
            "search",
            "{backbone}",
            "{regime}",
            "xqg~{generator}",
            "k~{k}",
            "alpha~{alpha}",
            "{lang}",
        )
    conda:
        "../envs/xqg.yaml"
    resources:
        mem_mb=64000,
        runtime=240,
    params:
        search=config["search"],
        code=code_version("search", "vectors", "formats"),
    script:
        "../workflow_scripts/search.py"
