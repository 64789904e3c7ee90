# Scoring: R@kt per query (XOR-TyDi's definition), rank stability under attack, and the standard
# measures where qrels exist. Per-query outcomes are kept so any two systems compare paired.


rule evaluate:
    input:
        run=f"{SYSTEM}/{{lang}}/run.trec",
        questions=DATA_FILES["dev"],
        corpus=DATA_FILES["corpus"],
        qrels=DATA_FILES["qrels_dev"],
    output:
        outcomes=f"{SYSTEM}/{{lang}}/outcomes.csv",
        measures=f"{SYSTEM}/{{lang}}/measures.csv",
    log:
        log_path(
            "evaluate",
            "{backbone}",
            "{regime}",
            "xqg~{generator}",
            "k~{k}",
            "alpha~{alpha}",
            "{lang}",
        ),
    benchmark:
        benchmark_path(
            "evaluate",
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
            f"{R}/outcomes.csv",
            category="Tables",
            subcategory="Per-query outcomes",
            caption="../report/outcomes.rst",
        ),
        measures=report(
            f"{R}/standard_measures.csv",
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
