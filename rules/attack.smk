# Paraphrase-attack query sets: every configured attack and budget, n seeded samples per question.


if NEIGHBOUR_LEXICONS:

    rule neighbour_lexicon:
        input:
            questions=DATA_FILES["dev"],
            encoder=lambda wc: neighbour_encoder()[2],
        output:
            # one job for every language: the encoder is loaded once (the work per language is seconds)
            **{
                lang: f"{R}/attacks/{lang}/neighbour_lexicon.tsv"
                for lang in LANGUAGES
            },
        log:
            log_path("neighbour_lexicon"),
        benchmark:
            benchmark_path("neighbour_lexicon")
        conda:
            "../envs/xqg.yaml"
        threads: SETTINGS.encoding.threads
        resources:
            gpu=1,
            mem_mb=16000,
            runtime=60,
        params:
            model=lambda wc: neighbour_encoder()[0],
            spec=lambda wc: neighbour_encoder()[1],
            settings=NEIGHBOUR_SYNONYM,
            code=code_of("neighbour_lexicon"),
        script:
            "../workflow_scripts/neighbour_lexicon.py"


rule attack_queries:
    input:
        questions=DATA_FILES["dev"],
        # bilingual dictionaries (code_switch) and thesauri (synonym): tracked, so a changed file reruns
        resources=[path for files in SETTINGS.attacks.resources.values() for path in files.values()],
        neighbour_lexicon=(
            f"{R}/attacks/{{lang}}/neighbour_lexicon.tsv" if NEIGHBOUR_LEXICONS else []
        ),
    output:
        **{
            query_set: ensure(
                f"{R}/attacks/{{lang}}/{query_set}.jsonl", non_empty=True
            )
            for query_set in RULE_ATTACK_SETS
        },
        summary=f"{R}/attacks/{{lang}}/summary.csv",
        validity=f"{R}/attacks/{{lang}}/validity_sample.csv",
    log:
        log_path("attack_queries", "{lang}"),
    benchmark:
        benchmark_path("attack_queries", "{lang}")
    conda:
        "../envs/xqg.yaml"
    params:
        names=SETTINGS.attacks.names,
        budgets=SETTINGS.attacks.budgets,
        samples=SETTINGS.attacks.samples,
        seed=SETTINGS.attacks.seed,
        validity_per_language=SETTINGS.attacks.validity_sample_per_language,
        resources=SETTINGS.attacks.resources,
        code=code_of("attack_queries"),
    script:
        "../workflow_scripts/attack_queries.py"


if BACK_TRANSLATION_SETS:

    rule back_translate_queries:
        input:
            questions=DATA_FILES["dev"],
            # local model folders are tracked; hub ids are resolved (or read from the cache) by transformers
            models=[
                model
                for model in (
                    MODEL_PARAPHRASE.model,
                    MODEL_PARAPHRASE.similarity_model,
                )
                if os.path.isdir(model)
            ],
        output:
            **{
                query_set: ensure(
                    f"{R}/attacks/{{lang}}/{query_set}.jsonl", non_empty=True
                )
                for query_set in BACK_TRANSLATION_SETS
            },
            summary=f"{R}/attacks/{{lang}}/back_translation.summary.csv",
            validity=f"{R}/attacks/{{lang}}/back_translation.validity_sample.csv",
        log:
            log_path("back_translate_queries", "{lang}"),
        benchmark:
            benchmark_path("back_translate_queries", "{lang}")
        conda:
            "../envs/xqg.yaml"
        threads: SETTINGS.encoding.threads
        resources:
            gpu=1,
            mem_mb=32000,
            runtime=240,
        params:
            settings=MODEL_PARAPHRASE,
            samples=SETTINGS.attacks.samples,
            seed=SETTINGS.attacks.seed,
            validity_per_language=SETTINGS.attacks.validity_sample_per_language,
            code=code_of("back_translate_queries"),
        script:
            "../workflow_scripts/back_translate_queries.py"


rule collect_attack_summaries:
    input:
        summary=expand(f"{R}/attacks/{{lang}}/summary.csv", lang=LANGUAGES)
        + expand(
            f"{R}/attacks/{{lang}}/back_translation.summary.csv",
            lang=LANGUAGES if BACK_TRANSLATION_SETS else [],
        ),
        validity=expand(f"{R}/attacks/{{lang}}/validity_sample.csv", lang=LANGUAGES)
        + expand(
            f"{R}/attacks/{{lang}}/back_translation.validity_sample.csv",
            lang=LANGUAGES if BACK_TRANSLATION_SETS else [],
        ),
    output:
        summary=report(
            f"{AGG}/attacks/summary.csv",
            category="Attacks",
            subcategory="Summary",
            caption="../report/attack_summary.rst",
        ),
        validity=report(
            f"{AGG}/attacks/validity_sample.csv",
            category="Attacks",
            subcategory="Validity sample",
            caption="../report/validity_sample.rst",
        ),
    log:
        log_path("collect_attack_summaries"),
    benchmark:
        benchmark_path("collect_attack_summaries")
    conda:
        "../envs/xqg.yaml"
    params:
        code=code_of("collect_attack_summaries"),
        skipped=SKIPPED_ATTACKS,
        languages=LANGUAGES,
    script:
        "../workflow_scripts/collect_attack_summaries.py"
