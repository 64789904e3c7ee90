# The paper's Table 1, the k- and alpha-sweep figures, and the robustness tables, figure and summary.
# Every table and figure is in the report (snakemake --report): report() with a category, subcategory and
# a caption from report/; final_outputs() lists the same files (tests/test_report.py checks both).

REPORT_PARAMS = dict(
    k=DEFAULT_K,
    alpha=float(DEFAULT_ALPHA),
    statistics=SETTINGS.statistics,
)


# table1.reference_delta.*: only with a reference_table (the paper's numbers in the full config)
rule table1:
    input:
        outcomes=f"{AGG}/outcomes.csv",
    output:
        **{
            ext: report(
                f"{AGG}/table1.{ext}",
                category="Tables",
                subcategory="Table 1",
                caption="../report/table1.rst",
            )
            for ext in ("csv", "md", "tex")
        },
        **{
            f"reference_delta_{ext}": report(
                f"{AGG}/table1.reference_delta.{ext}",
                category="Tables",
                subcategory="Table 1",
                caption="../report/table1_reference_delta.rst",
            )
            for ext in (("csv", "md", "tex") if SETTINGS.reference_table else ())
        },
        scores=report(
            f"{AGG}/table1.scores.csv",
            category="Tables",
            subcategory="Table 1",
            caption="../report/table1_scores.rst",
        ),
        pvalues=report(
            f"{AGG}/table1.pvalues.csv",
            category="Tables",
            subcategory="Table 1",
            caption="../report/table1_pvalues.rst",
        ),
    log:
        log_path("table1"),
    benchmark:
        benchmark_path("table1")
    conda:
        "../envs/xqg.yaml"
    params:
        **REPORT_PARAMS,
        reference=SETTINGS.reference_table,
        labels=SETTINGS.labels,
        code=code_of("table1"),
    script:
        "../workflow_scripts/table1.py"


rule sweep_figures:
    input:
        outcomes=f"{AGG}/outcomes.csv",
    output:
        **{
            f"{sweep}_{ext}": report(
                f"{AGG}/{sweep}_sweep.{ext}",
                category="Figures",
                subcategory=f"{sweep} sweep",
                caption=f"../report/{sweep}_sweep.rst",
            )
            for sweep in ("k", "alpha")
            for ext in ("png", "pdf", "csv")
        },
    log:
        log_path("sweep_figures"),
    benchmark:
        benchmark_path("sweep_figures")
    conda:
        "../envs/xqg.yaml"
    params:
        **REPORT_PARAMS,
        code=code_of("sweep_figures"),
    script:
        "../workflow_scripts/sweep_figures.py"


ROBUSTNESS_SUMMARY = report(
    f"{AGG}/robustness_summary.md",
    category="Robustness",
    subcategory="Summary",
    caption="../report/robustness_summary.rst",
)


rule robustness:
    input:
        outcomes=f"{AGG}/outcomes.csv",
    output:
        **{
            ext: report(
                f"{AGG}/robustness.{ext}",
                category="Robustness",
                subcategory="Clean vs attacked",
                caption="../report/robustness.rst",
            )
            for ext in ("csv", "md", "tex")
        },
        **{
            f"group_{ext}": report(
                f"{AGG}/robustness_by_group.{ext}",
                category="Robustness",
                subcategory="By language family and resource class",
                caption="../report/robustness_by_group.rst",
            )
            for ext in ("csv", "md", "tex")
        },
        **{
            ext: report(
                f"{AGG}/robustness.{ext}",
                category="Robustness",
                subcategory="Figure",
                caption="../report/robustness_figure.rst",
            )
            for ext in ("png", "pdf")
        },
        # with both regimes the summary opens with the answer to the research question, so that rule
        # writes it (from robustness.csv); otherwise this one does
        **({} if RESEARCH_QUESTION else {"summary": ROBUSTNESS_SUMMARY}),
    log:
        log_path("robustness"),
    benchmark:
        benchmark_path("robustness")
    conda:
        "../envs/xqg.yaml"
    params:
        **REPORT_PARAMS,
        code=code_of("robustness"),
    script:
        "../workflow_scripts/robustness.py"


rule research_question:
    input:
        outcomes=f"{AGG}/outcomes.csv",
        robustness=f"{AGG}/robustness.csv",
    output:
        **{
            ext: report(
                f"{AGG}/research_question.{ext}",
                category="Research question",
                subcategory="xQG vs fine-tuning",
                caption="../report/research_question.rst",
            )
            for ext in ("csv", "md", "tex", "png", "pdf")
        },
        full=report(
            f"{AGG}/research_question.full.csv",
            category="Research question",
            subcategory="Every attack",
            caption="../report/research_question.rst",
        ),
        **{
            f"interaction_{ext}": report(
                f"{AGG}/research_question_interaction.{ext}",
                category="Research question",
                subcategory="By resource level",
                caption="../report/research_question_interaction.rst",
            )
            for ext in ("csv", "md", "tex")
        },
        **({"summary": ROBUSTNESS_SUMMARY} if RESEARCH_QUESTION else {}),  # the rule runs only then
    log:
        log_path("research_question"),
    benchmark:
        benchmark_path("research_question")
    conda:
        "../envs/xqg.yaml"
    params:
        **REPORT_PARAMS,
        # the defences: regimes that train on perturbed queries, noisy generators and their sources
        defence_regimes=[r for r in REGIMES if r in PERTURBED_REGIMES],
        noisy_sources={g: generator_config(g).source for g in NOISY_GENERATORS},
        code=code_of("research_question"),
    script:
        "../workflow_scripts/research_question.py"


# The configuration the study ran with, as validated against schemas/config.schema.yaml with its
# defaults filled in (the config dict rules/common.smk holds), keys sorted. The config is a parameter,
# so any change of it rewrites the file. A few milliseconds: run where Snakemake runs, never submitted.
rule validated_config:
    output:
        report(
            f"{AGG}/config.validated.yaml",
            category="Configuration",
            caption="../report/validated_config.rst",
        ),
    log:
        log_path("validated_config"),
    benchmark:
        benchmark_path("validated_config")
    localrule: True
    conda:
        "../envs/xqg.yaml"
    params:
        config=config,
        code=code_of("validated_config"),
    script:
        "../workflow_scripts/validated_config.py"
