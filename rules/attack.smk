# Paraphrase-attack query sets: every configured attack and budget, n seeded samples per question.


rule attack_queries:
    input:
        questions=DATA_FILES["dev"],
    output:
        **{
            query_set: ensure(
                f"{R}/attacks/{{lang}}/{query_set}.jsonl", non_empty=True
            )
            for query_set in QUERY_SETS[1:]
        },
        summary=f"{R}/attacks/{{lang}}/summary.csv",
        validity=f"{R}/attacks/{{lang}}/validity_sample.csv",
    log:
        log_path("attack_queries", "{lang}"),
    conda:
        "../envs/xqg.yaml"
    params:
        attacks=config["attacks"],
        code=code_version("attacks", "formats"),
    script:
        "../workflow_scripts/attack_queries.py"


rule collect_attack_summaries:
    input:
        summary=expand(f"{R}/attacks/{{lang}}/summary.csv", lang=LANGUAGES),
        validity=expand(f"{R}/attacks/{{lang}}/validity_sample.csv", lang=LANGUAGES),
    output:
        summary=report(
            f"{R}/attacks/summary.csv",
            category="Attacks",
            caption="../report/attack_summary.rst",
        ),
        validity=f"{R}/attacks/validity_sample.csv",
    log:
        log_path("collect_attack_summaries"),
    conda:
        "../envs/xqg.yaml"
    script:
        "../workflow_scripts/concat_csv.py"
