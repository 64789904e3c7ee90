# Benchmark data in one internal layout, whatever the source:
#   data/corpus.tsv (id, text, title), data/questions.{train,dev}.jsonl (XOR-Retrieve JSONL),
#   data/qrels.{train,dev}.tsv, data/generator_pairs.{train,dev}.jsonl, data/english_train.jsonl


if SETTINGS.data.source == "embedded":

    rule prepare_embedded_benchmark:
        output:
            **{name: ensure(path, non_empty=True) for name, path in DATA_FILES.items()},
            readme=f"{R}/data/README.md",
        log:
            log_path("prepare_embedded_benchmark"),
        benchmark:
            benchmark_path("prepare_embedded_benchmark")
        conda:
            "../envs/xqg.yaml"
        params:
            settings=SETTINGS.data.embedded,
            code=code_of("prepare_embedded_benchmark"),
        script:
            "../workflow_scripts/prepare_embedded_benchmark.py"

else:
    XOR = SETTINGS.data.xor_tydi

    rule download_xor_tydi_file:
        output:
            f"{RES}/xor_tydi/{{filename}}",
        log:
            log_path("download_xor_tydi_file", "{filename}"),
        benchmark:
            benchmark_path("download_xor_tydi_file", "{filename}")
        conda:
            "../envs/xqg.yaml"
        resources:
            runtime=240,
        params:
            code=code_of("download_xor_tydi_file"),
            name=lambda wc: xor_file_name(wc.filename),
            entry=lambda wc: XOR.files[xor_file_name(wc.filename)],
        script:
            "../workflow_scripts/download_xor_tydi_file.py"

    rule prepare_xor_tydi:
        input:
            dev=xor_file("dev_questions"),
            train=xor_file("train_questions"),
            gold_paragraphs=xor_file("gold_paragraphs"),
            corpus=xor_file("corpus"),
            nq_train=xor_file("nq_train"),
        output:
            **{name: ensure(path, non_empty=True) for name, path in DATA_FILES.items()},
            readme=f"{R}/data/README.md",
        log:
            log_path("prepare_xor_tydi"),
        benchmark:
            benchmark_path("prepare_xor_tydi")
        conda:
            "../envs/xqg.yaml"
        resources:
            mem_mb=16000,
            runtime=360,
        params:
            subcorpus=XOR.subcorpus,
            checksums={name: entry.sha256 for name, entry in XOR.files.items()},
            code=code_of("prepare_xor_tydi"),
        script:
            "../workflow_scripts/prepare_xor_tydi.py"
