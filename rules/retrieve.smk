# faiss inner-product search, shard by shard, one job per system and query language. The main
# systems search the clean and every attacked query set; sweep systems the clean queries only.

SYSTEM = f"{R}/runs/{{backbone}}/{{regime}}/xqg~{{generator}}/k~{{k}}/alpha~{{alpha}}"


def index_shards(wildcards):
    base = f"{R}/vectors/{wildcards.backbone}/{wildcards.regime}"
    if wildcards.generator == "none":
        return [f"{base}/passages/shard~{s}.npy" for s in SHARDS]
    return [
        f"{base}/fused/{wildcards.generator}/k~{wildcards.k}/alpha~{wildcards.alpha}/shard~{s}.npy"
        for s in SHARDS
    ]


def system_query_sets(wildcards):
    main = is_main_system(wildcards.generator, wildcards.k, wildcards.alpha)
    return QUERY_SETS if main else ["clean"]


def query_vectors(wildcards):
    base = f"{R}/vectors/{wildcards.backbone}/{wildcards.regime}/queries/{wildcards.lang}"
    return [f"{base}/{query_set}.npy" for query_set in system_query_sets(wildcards)]


rule search:
    input:
        shards=index_shards,
        queries=query_vectors,
    output:
        ensure(f"{SYSTEM}/{{lang}}/run.trec", non_empty=True),
    params:
        search=config["search"],
        code=code_version("search", "vectors", "formats"),
    log:
        log_path("search", "{backbone}", "{regime}", "xqg~{generator}", "k~{k}", "alpha~{alpha}", "{lang}"),
    benchmark:
        benchmark_path("search", "{backbone}", "{regime}", "xqg~{generator}", "k~{k}", "alpha~{alpha}", "{lang}")
    resources:
        mem_mb=64000,
        runtime=240,
    conda:
        "../envs/xqg.yaml"
    script:
        "../workflow_scripts/search.py"
