# faiss inner-product search, shard by shard, one job per system over every language: each shard is
# read and its index built once for all languages' query sets (a language's run file is kept on its
# own). The main systems search the clean and every attacked query set; sweep systems the clean
# queries only.

# faiss-gpu when configured: the gpu resource sends the job to a GPU node on SLURM (and limits
# concurrent GPU jobs on a workstation with --resources gpu=N).
SEARCH_GPUS = int(SETTINGS.search.use_gpu)


rule search:
    input:
        unpack(language_query_vectors),
        shards=index_shards,
        shard_ids=ids_of(index_shards),
    output:
        **{
            lang: ensure(f"{SYSTEM}/{lang}/run.trec", non_empty=True)
            for lang in LANGUAGES
        },
    log:
        log_path(
            "search", "{backbone}", "{regime}", "xqg~{generator}", "k~{k}", "alpha~{alpha}"
        ),
    benchmark:
        benchmark_path(
            "search", "{backbone}", "{regime}", "xqg~{generator}", "k~{k}", "alpha~{alpha}"
        )
    conda:
        "../envs/xqg.yaml"
    resources:
        gpu=SEARCH_GPUS,
        mem_mb=64000,
        runtime=240,
    params:
        search=SETTINGS.search,
        code=code_of("search"),
    script:
        "../workflow_scripts/search.py"


# With an approximate index (search.index ivf, hnsw or ivfpq), what it loses against exact search: one
# job per system, on a seeded sample of every language's clean queries searched exactly shard by shard
# (so one pass over the shards per system, not per language), compared with the system's own runs.
# Its settings (sample size, cutoffs <= search.depth, seed) are checked at start: SETTINGS.search_recall.


rule search_recall:
    input:
        shards=index_shards,
        queries=expand(
            f"{VECTORS}/queries/{{lang}}/clean.npy", lang=LANGUAGES, allow_missing=True
        ),
        shard_ids=ids_of(index_shards),
        query_ids=expand(
            f"{VECTORS}/queries/{{lang}}/clean.ids.txt",
            lang=LANGUAGES,
            allow_missing=True,
        ),
        runs=expand(f"{SYSTEM}/{{lang}}/run.trec", lang=LANGUAGES, allow_missing=True),
    output:
        f"{SYSTEM}/search_recall.csv",
    log:
        log_path(
            "search_recall",
            "{backbone}",
            "{regime}",
            "xqg~{generator}",
            "k~{k}",
            "alpha~{alpha}",
        ),
    benchmark:
        benchmark_path(
            "search_recall",
            "{backbone}",
            "{regime}",
            "xqg~{generator}",
            "k~{k}",
            "alpha~{alpha}",
        )
    conda:
        "../envs/xqg.yaml"
    resources:
        gpu=SEARCH_GPUS,
        mem_mb=64000,
        runtime=240,
    params:
        search=SETTINGS.search,
        recall=SETTINGS.search_recall,
        languages=LANGUAGES,
        code=code_of("search_recall"),
    script:
        "../workflow_scripts/search_recall.py"


rule collect_search_recall:
    input:
        [f"{system}/search_recall.csv" for system in all_system_dirs()],
    output:
        **{
            ext: report(
                f"{AGG}/search_recall.{ext}",
                category="Tables",
                subcategory="Search recall",
                caption="../report/search_recall.rst",
            )
            for ext in ("csv", "md")
        },
    log:
        log_path("collect_search_recall"),
    benchmark:
        benchmark_path("collect_search_recall")
    conda:
        "../envs/xqg.yaml"
    params:
        dataset=SETTINGS.dataset,
        languages=LANGUAGES,
        code=code_of("collect_search_recall"),
    script:
        "../workflow_scripts/collect_search_recall.py"
