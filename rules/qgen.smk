# xQG's query generator: training (trained generators), generation for every passage shard and target
# language, and a quality report per generator.


rule train_generator:
    input:
        base=generator_base_inputs,
        corpus=DATA_FILES["corpus"],
        pairs_train=DATA_FILES["pairs_train"],
        pairs_dev=DATA_FILES["pairs_dev"],
    output:
        directory(f"{R}/generators/{{generator}}/model"),
    log:
        log_path("train_generator", "{generator}"),
    benchmark:
        benchmark_path("train_generator", "{generator}")
    conda:
        "../envs/xqg.yaml"
    threads: lambda wc: generator_config(wc.generator).training.threads
    # the study's longest chain (training, generation, then every + xQG system): scheduled first
    priority: 20
    resources:
        gpu=1,
        mem_mb=64000,
        runtime=1440,
    params:
        base=lambda wc: generator_base(generator_config(wc.generator)),
        architecture=lambda wc: generator_config(wc.generator).architecture,
        prompt_style=lambda wc: generator_config(wc.generator).prompt_style,
        training=lambda wc: generator_config(wc.generator).training,
        checkpoints=f"{R}/checkpoints/generator/{{generator}}",
        code=code_of("train_generator"),
    script:
        "../workflow_scripts/train_generator.py"


# One job per passage shard writes every target language: a trained generator then encodes each
# passage once for all languages (language-token prompts); shards give the parallelism at scale.
# An interrupted job resumes from its .part file (complete records are kept). A noisy generator's shards
# come from rule perturb_generated_queries instead.
rule generate_queries:
    input:
        corpus=DATA_FILES["corpus"],
        model=generator_model_inputs,
    output:
        ensure(f"{R}/generated/{{generator}}/shard~{{shard}}.jsonl", non_empty=True),
    wildcard_constraints:
        generator=_alternatives(SAMPLED_GENERATORS),
    log:
        log_path("generate_queries", "{generator}", "shard~{shard}"),
    benchmark:
        benchmark_path("generate_queries", "{generator}", "shard~{shard}")
    conda:
        "../envs/xqg.yaml"
    threads: SETTINGS.encoding.threads
    priority: 20
    resources:
        gpu=1,
        mem_mb=32000,
        runtime=1440,
    params:
        generator=lambda wc: generator_config(wc.generator),
        generation=SETTINGS.generation,
        languages=FUSION_LANGUAGES,
        num_shards=len(SHARDS),
        code=code_of("generate_queries"),
    script:
        "../workflow_scripts/generate_queries.py"


# Noisy xQG (a defence): a share of the source generator's queries of the same shard, attacked (its own
# rule, so that the attack code is in the code key of noisy shards only, not of generation).
if NOISY_GENERATORS:

    rule perturb_generated_queries:
        input:
            source=noisy_source_shard,
        output:
            ensure(f"{R}/generated/{{generator}}/shard~{{shard}}.jsonl", non_empty=True),
        wildcard_constraints:
            generator=_alternatives(NOISY_GENERATORS),
        log:
            log_path("perturb_generated_queries", "{generator}", "shard~{shard}"),
        benchmark:
            benchmark_path("perturb_generated_queries", "{generator}", "shard~{shard}")
        conda:
            "../envs/xqg.yaml"
        resources:
            mem_mb=4000,
        params:
            perturb=lambda wc: generator_config(wc.generator).perturb,
            code=code_of("perturb_generated_queries"),
        script:
            "../workflow_scripts/perturb_generated_queries.py"


rule generation_quality:
    input:
        corpus=DATA_FILES["corpus"],
        references=DATA_FILES["pairs_dev"],
        generated=expand(
            f"{R}/generated/{{{{generator}}}}/shard~{{shard}}.jsonl", shard=SHARDS
        ),
    output:
        **{
            ext: report(
                f"{R}/generated/{{generator}}/quality.{ext}",
                category="Query generation",
                subcategory="{generator}",
                caption="../report/generation_quality.rst",
            )
            for ext in ("csv", "md")
        },
    log:
        log_path("generation_quality", "{generator}"),
    benchmark:
        benchmark_path("generation_quality", "{generator}")
    conda:
        "../envs/xqg.yaml"
    params:
        code=code_of("generation_quality"),
    script:
        "../workflow_scripts/generation_quality.py"
