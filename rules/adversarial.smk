# Greedy black-box attack (src/xqg/attacks/greedy_systems.py): per encoder (backbone x regime) and language, each
# main system is attacked with its own scores; the same job encodes its query sets (the encoder is
# loaded already; encode_queries writes them as for any query set) and every main system of the encoder
# searches them (common.smk: system_query_sets), so that the evaluate rule scores
# the adaptive attack (a system on its own set) and the transfers (on the others' sets).
# attacks.adversarial.greedy: false leaves these rules out.

ADVERSARIAL = f"{R}/attacks/adversarial/{{backbone}}/{{regime}}/{{lang}}"


if GREEDY:

    rule greedy_attack:
        input:
            **main_system_indexes(),
            model=retriever_inputs,
            questions=DATA_FILES["dev"],
            qrels=DATA_FILES["qrels_dev"],
        output:
            **{
                query_set: ensure(f"{ADVERSARIAL}/{query_set}.jsonl", non_empty=True)
                for query_set in adversarial_query_sets()
            },
            **{
                f"vectors~{query_set}": f"{VECTORS}/queries/{{lang}}/{query_set}.npy"
                for query_set in adversarial_query_sets()
            },
            **{
                f"ids~{query_set}": f"{VECTORS}/queries/{{lang}}/{query_set}.ids.txt"
                for query_set in adversarial_query_sets()
            },
            summary=f"{ADVERSARIAL}/summary.csv",
        log:
            log_path("greedy_attack", "{backbone}", "{regime}", "{lang}"),
        benchmark:
            benchmark_path("greedy_attack", "{backbone}", "{regime}", "{lang}")
        conda:
            "../envs/xqg.yaml"
        threads: SETTINGS.encoding.threads
        resources:
            **ENCODER_RESOURCES,
        params:
            systems=[generator for generator, _, _ in main_systems()],
            budgets=ATTACK_BUDGETS,
            greedy=GREEDY,
            model=lambda wc: retriever_path(wc.backbone, wc.regime),
            spec=lambda wc: encoder_spec(wc.backbone),
            encoding=SETTINGS.encoding,
            search=SETTINGS.search,
            code=code_of("greedy_attack"),
        script:
            "../workflow_scripts/greedy_attack.py"

    rule collect_adversarial_summaries:
        input:
            summary=expand(
                f"{R}/attacks/adversarial/{{backbone}}/{{regime}}/{{lang}}/summary.csv",
                backbone=BACKBONES,
                regime=REGIMES,
                lang=LANGUAGES,
            ),
        output:
            summary=report(
                f"{R}/attacks/adversarial_summary.csv",
                category="Attacks",
                subcategory="Greedy attack",
                caption="../report/adversarial_summary.rst",
            ),
        log:
            log_path("collect_adversarial_summaries"),
        benchmark:
            benchmark_path("collect_adversarial_summaries")
        conda:
            "../envs/xqg.yaml"
        params:
            code=code_of("collect_adversarial_summaries"),
        script:
            "../workflow_scripts/collect_adversarial_summaries.py"

    rule adversarial_transfer:
        input:
            outcomes=f"{R}/outcomes.csv",
        output:
            **{
                ext: report(
                    f"{R}/adversarial_transfer.{ext}",
                    category="Robustness",
                    subcategory="Adversarial transfer",
                    caption="../report/adversarial_transfer.rst",
                )
                for ext in ("csv", "md", "tex")
            },
        log:
            log_path("adversarial_transfer"),
        benchmark:
            benchmark_path("adversarial_transfer")
        conda:
            "../envs/xqg.yaml"
        params:
            k=DEFAULT_K,
            alpha=float(DEFAULT_ALPHA),
            code=code_of("adversarial_transfer"),
        script:
            "../workflow_scripts/adversarial_transfer.py"
