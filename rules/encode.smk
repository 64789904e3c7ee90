# One encoder path for passages, dev queries, attacked queries and generated queries. Vector sets are
# NAME.npy (float16, memory-mappable) with NAME.ids.txt beside them.


rule encode_passages:
    input:
        model=retriever_inputs,
        corpus=DATA_FILES["corpus"],
    output:
        **vector_set(f"{VECTORS}/passages/shard~{{shard}}.npy"),
    log:
        log_path("encode_passages", "{backbone}", "{regime}", "shard~{shard}"),
    benchmark:
        benchmark_path("encode_passages", "{backbone}", "{regime}", "shard~{shard}")
    conda:
        "../envs/xqg.yaml"
    threads: SETTINGS.encoding.threads
    resources:
        **ENCODER_RESOURCES,
    params:
        model=lambda wc: retriever_path(wc.backbone, wc.regime),
        spec=lambda wc: encoder_spec(wc.backbone),
        encoding=SETTINGS.encoding,
        num_shards=len(SHARDS),
        code=code_of("encode_passages"),
    script:
        "../workflow_scripts/encode_passages.py"


rule encode_generated_queries:
    input:
        model=retriever_inputs,
        generated=f"{R}/generated/{{generator}}/shard~{{shard}}.jsonl",
        passage_ids=f"{VECTORS}/passages/shard~{{shard}}.ids.txt",
    output:
        # sums: NAME.npy of the per-k sums that fusion reads; sums_ids, sums_counts, sums_layout beside it
        **dict(
            zip(
                ("sums", "sums_ids", "sums_counts", "sums_layout"),
                generated_vector_files(
                    f"{VECTORS}/generated_sums/{{generator}}/shard~{{shard}}.npy"
                ),
            )
        ),
        # LANG: the per-query vectors, NAME.npy; ids~LANG, counts~LANG, layout~LANG beside it (xqg.vectors).
        # temp() unless storage.keep_generated_query_vectors: nothing downstream reads them.
        **{
            name: (str if KEEP_GENERATED_VECTORS else temp)(path)
            for lang in FUSION_LANGUAGES
            for name, path in zip(
                (lang, f"ids~{lang}", f"counts~{lang}", f"layout~{lang}"),
                generated_vector_files(
                    f"{VECTORS}/generated/{{generator}}/shard~{{shard}}/{lang}.npy"
                ),
            )
        },
    log:
        log_path(
            "encode_generated_queries",
            "{backbone}",
            "{regime}",
            "{generator}",
            "shard~{shard}",
        ),
    benchmark:
        benchmark_path(
            "encode_generated_queries",
            "{backbone}",
            "{regime}",
            "{generator}",
            "shard~{shard}",
        )
    conda:
        "../envs/xqg.yaml"
    threads: SETTINGS.encoding.threads
    resources:
        **ENCODER_RESOURCES,
    params:
        model=lambda wc: retriever_path(wc.backbone, wc.regime),
        spec=lambda wc: encoder_spec(wc.backbone),
        encoding=SETTINGS.encoding,
        samples=SETTINGS.generation.samples_per_language,
        ks=lambda wc: fusion_ks(wc.regime),
        code=code_of("encode_generated_queries"),
    script:
        "../workflow_scripts/encode_generated_queries.py"


rule encode_queries:
    input:
        model=retriever_inputs,
        clean=DATA_FILES["dev"],
        attacked=expand(
            f"{R}/attacks/{{lang}}/{{query_set}}.jsonl",
            lang=LANGUAGES,
            query_set=QUERY_SETS[1:],
        ),
    output:
        **{
            f"{lang}/{query_set}": f"{VECTORS}/queries/{lang}/{query_set}.npy"
            for lang in LANGUAGES
            for query_set in QUERY_SETS
        },
        **{
            f"ids~{lang}/{query_set}": f"{VECTORS}/queries/{lang}/{query_set}.ids.txt"
            for lang in LANGUAGES
            for query_set in QUERY_SETS
        },
    log:
        log_path("encode_queries", "{backbone}", "{regime}"),
    benchmark:
        benchmark_path("encode_queries", "{backbone}", "{regime}")
    conda:
        "../envs/xqg.yaml"
    threads: SETTINGS.encoding.threads
    resources:
        **ENCODER_RESOURCES,
    params:
        model=lambda wc: retriever_path(wc.backbone, wc.regime),
        spec=lambda wc: encoder_spec(wc.backbone),
        encoding=SETTINGS.encoding,
        code=code_of("encode_queries"),
    script:
        "../workflow_scripts/encode_queries.py"
