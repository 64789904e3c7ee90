# xQG fusion: e_aug = (1 - alpha) * e_p + alpha * sum of the first k generated-query vectors per language.
# k and alpha are wildcards; the sums per k are stored (rule encode_generated_queries), so the k and alpha
# sweeps reuse them without re-encoding.


rule fuse_passage_embeddings:
    input:
        # the per-k sums of the generated-query vectors (xqg.generated_sums), with their ids, counts and layout
        **dict(
            zip(
                ("sums", "sums_ids", "sums_counts", "sums_layout"),
                generated_vector_files(
                    f"{VECTORS}/generated_sums/{{generator}}/shard~{{shard}}.npy"
                ),
            )
        ),
        passages=f"{VECTORS}/passages/shard~{{shard}}.npy",
        passage_ids=f"{VECTORS}/passages/shard~{{shard}}.ids.txt",
    output:
        (temp if TEMP_FUSED else str)(
            f"{VECTORS}/fused/{{generator}}/k~{{k}}/alpha~{{alpha}}/shard~{{shard}}.npy"
        ),
        ids=(temp if TEMP_FUSED else str)(
            f"{VECTORS}/fused/{{generator}}/k~{{k}}/alpha~{{alpha}}/shard~{{shard}}.ids.txt"
        ),
    log:
        log_path(
            "fuse_passage_embeddings",
            "{backbone}",
            "{regime}",
            "{generator}",
            "k~{k}",
            "alpha~{alpha}",
            "shard~{shard}",
        ),
    benchmark:
        benchmark_path(
            "fuse_passage_embeddings",
            "{backbone}",
            "{regime}",
            "{generator}",
            "k~{k}",
            "alpha~{alpha}",
            "shard~{shard}",
        )
    conda:
        "../envs/xqg.yaml"
    resources:
        mem_mb=16000,
    params:
        aggregate=SETTINGS.xqg.aggregate,
        normalize=SETTINGS.xqg.normalize,
        code=code_of("fuse_passage_embeddings"),
    script:
        "../workflow_scripts/fuse_passage_embeddings.py"
