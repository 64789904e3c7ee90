# Scoring, one job per system over every language (the corpus read once): R@kt per query (XOR-TyDi's
# definition), rank stability under attack, and the standard measures where qrels exist. Per-query
# outcomes are kept so any two systems compare paired.


rule evaluate:
    input:
        **{f"run~{lang}": f"{SYSTEM}/{lang}/run.trec" for lang in LANGUAGES},
        questions=DATA_FILES["dev"],
        corpus=DATA_FILES["corpus"],
        qrels=DATA_FILES["qrels_dev"],
    output:
        **{f"outcomes~{lang}": f"{SYSTEM}/{lang}/outcomes.csv" for lang in LANGUAGES},
        **{f"measures~{lang}": f"{SYSTEM}/{lang}/measures.csv" for lang in LANGUAGES},
    log:
        log_path(
            "evaluate", "{backbone}", "{regime}", "xqg~{generator}", "k~{k}", "alpha~{alpha}"
        ),
    benchmark:
        benchmark_path(
            "evaluate", "{backbone}", "{regime}", "xqg~{generator}", "k~{k}", "alpha~{alpha}"
        )
    conda:
        "../envs/xqg.yaml"
    resources:
        mem_mb=32000,
    params:
        evaluation=SETTINGS.evaluation,
        code=code_of("evaluate"),
    script:
        "../workflow_scripts/evaluate.py"


rule collect_outcomes:
    input:
        outcomes=all_outcomes(),
        measures=[p.replace("outcomes.csv", "measures.csv") for p in all_outcomes()],
    output:
        outcomes=report(
            f"{AGG}/outcomes.csv",
            category="Tables",
            subcategory="Per-query outcomes",
            caption="../report/outcomes.rst",
        ),
        measures=report(
            f"{AGG}/standard_measures.csv",
            category="Tables",
            subcategory="Standard measures",
            caption="../report/standard_measures.rst",
        ),
    log:
        log_path("collect_outcomes"),
    benchmark:
        benchmark_path("collect_outcomes")
    conda:
        "../envs/xqg.yaml"
    params:
        code=code_of("collect_outcomes"),
        dataset=SETTINGS.dataset,
    script:
        "../workflow_scripts/collect_outcomes.py"
