# The paper's Table 1, the k- and alpha-sweep figures, and the robustness tables, figure and summary.

REPORT_PARAMS = dict(
    k=DEFAULT_K,
    alpha=float(DEFAULT_ALPHA),
    statistics=config["statistics"],
)


rule table1:
    input:
        outcomes=f"{R}/outcomes.csv",
    output:
        csv=report(f"{R}/table1.csv", category="Tables", caption="../report/table1.rst"),
        md=f"{R}/table1.md",
        tex=f"{R}/table1.tex",
        scores=f"{R}/table1.scores.csv",
        pvalues=f"{R}/table1.pvalues.csv",
    log:
        log_path("table1"),
    benchmark:
        benchmark_path("table1")
    conda:
        "../envs/xqg.yaml"
    params:
        **REPORT_PARAMS,
        reference=config["reference_table"],
        labels=config.get("labels"),
        code=code_of("table1"),
    script:
        "../workflow_scripts/table1.py"


rule sweep_figures:
    input:
        outcomes=f"{R}/outcomes.csv",
    output:
        k_png=report(
            f"{R}/k_sweep.png", category="Figures", caption="../report/k_sweep.rst"
        ),
        k_pdf=f"{R}/k_sweep.pdf",
        k_csv=f"{R}/k_sweep.csv",
        alpha_png=report(
            f"{R}/alpha_sweep.png",
            category="Figures",
            caption="../report/alpha_sweep.rst",
        ),
        alpha_pdf=f"{R}/alpha_sweep.pdf",
        alpha_csv=f"{R}/alpha_sweep.csv",
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


rule robustness:
    input:
        outcomes=f"{R}/outcomes.csv",
    output:
        csv=report(
            f"{R}/robustness.csv",
            category="Robustness",
            caption="../report/robustness.rst",
        ),
        md=f"{R}/robustness.md",
        tex=f"{R}/robustness.tex",
        group_csv=f"{R}/robustness_by_group.csv",
        group_md=f"{R}/robustness_by_group.md",
        group_tex=f"{R}/robustness_by_group.tex",
        png=report(
            f"{R}/robustness.png",
            category="Robustness",
            caption="../report/robustness_figure.rst",
        ),
        pdf=f"{R}/robustness.pdf",
        summary=report(
            f"{R}/robustness_summary.md",
            category="Robustness",
            caption="../report/robustness_summary.rst",
        ),
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
