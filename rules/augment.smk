# xQG fusion: e_aug = (1 - alpha) * e_p + alpha * sum of the first k generated-query vectors per language.
# k and alpha are wildcards, so the k and alpha sweeps reuse the encoded generated queries.


rule fuse_passage_embeddings:
    input:
        passages=f"{VECTORS}/passages/shard~{{shard}}.npy",
        passage_ids=f"{VECTORS}/passages/shard~{{shard}}.ids.txt",
        generated=lambda wc: [
            f"{R}/vectors/{wc.backbone}/{wc.regime}/generated/{wc.generator}/shard~{wc.shard}/{lang}.npy"
            for lang in FUSION_LANGUAGES
        ],
        # the ids, counts and layout files beside each generated-query vector set
        generated_files=lambda wc: [
            path
            for lang in FUSION_LANGUAGES
            for path in generated_vector_files(
                f"{R}/vectors/{wc.backbone}/{wc.regime}/generated/{wc.generator}/shard~{wc.shard}/{lang}.npy"
            )[1:]
        ],
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
        languages=FUSION_LANGUAGES,
        code=code_of("fuse_passage_embeddings"),
    script:
        "../workflow_scripts/fuse_passage_embeddings.py"
