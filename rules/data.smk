# Benchmark data in one internal layout, whatever the source:
#   data/corpus.tsv (id, text, title), data/questions.{train,dev}.jsonl (XOR-Retrieve JSONL),
#   data/qrels.{train,dev}.tsv, data/generator_pairs.{train,dev}.jsonl, data/english_train.jsonl


DATA_FILES = dict(
    corpus=f"{R}/data/corpus.tsv",
    dev=f"{R}/data/questions.dev.jsonl",
    train=f"{R}/data/questions.train.jsonl",
    qrels_dev=f"{R}/data/qrels.dev.tsv",
    qrels_train=f"{R}/data/qrels.train.tsv",
    pairs_train=f"{R}/data/generator_pairs.train.jsonl",
    pairs_dev=f"{R}/data/generator_pairs.dev.jsonl",
    english_train=f"{R}/data/english_train.jsonl",
)


if config["data"]["source"] == "embedded":

    rule prepare_embedded_benchmark:
        output:
            **{name: ensure(path, non_empty=True) for name, path in DATA_FILES.items()},
            readme=f"{R}/data/README.md",
        params:
            settings=config["data"]["embedded"],
            code=code_version("embedded_benchmark", "formats"),
        log:
            log_path("prepare_embedded_benchmark"),
        conda:
            "../envs/xqg.yaml"
        script:
            "../workflow_scripts/data.py"

else:
    XOR = config["data"]["xor_tydi"]

    def xor_file(name):
        """A configured local path wins; otherwise the file this workflow downloads."""
        entry = XOR["files"][name]
        return entry.get("path") or f"{RES}/xor_tydi/{entry['filename']}"

    rule download_xor_tydi_file:
        output:
            f"{RES}/xor_tydi/{{filename}}",
        params:
            entry=lambda wc: next(
                e for e in XOR["files"].values() if e["filename"] == wc.filename
            ),
        log:
            log_path("download_xor_tydi_file", "{filename}"),
        resources:
            runtime=240,
        conda:
            "../envs/xqg.yaml"
        script:
            "../workflow_scripts/download.py"

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
        params:
            subcorpus=XOR["subcorpus"],
            checksums={n: e.get("sha256") for n, e in XOR["files"].items()},
            code=code_version("xor_tydi", "formats"),
        log:
            log_path("prepare_xor_tydi"),
        resources:
            mem_mb=16000,
            runtime=360,
        conda:
            "../envs/xqg.yaml"
        script:
            "../workflow_scripts/prepare_xor_tydi.py"
