# Greedy black-box attack (src/xqg/attacks/greedy_systems.py): one job per encoder (backbone x regime)
# over every language (the model loaded once); in each language each
# main system is attacked with its own scores; the same job encodes its query sets (the encoder is
# loaded already; encode_queries writes them as for any query set) and every main system of the encoder
# searches them (common.smk: system_query_sets), so that the evaluate rule scores
# the adaptive attack (a system on its own set) and the transfers (on the others' sets).
# attacks.adversarial.greedy: false leaves these rules out.

ADVERSARIAL = f"{R}/attacks/adversarial/{{backbone}}/{{regime}}"


if GREEDY:

    rule greedy_attack:
        input:
            **main_system_indexes(),
            model=retriever_inputs,
            questions=DATA_FILES["dev"],
            qrels=DATA_FILES["qrels_dev"],
        output:
            **{
                f"{lang}/{query_set}": ensure(
                    f"{ADVERSARIAL}/{lang}/{query_set}.jsonl", non_empty=True
                )
                for lang in LANGUAGES
                for query_set in adversarial_query_sets()
            },
            **{
                f"vectors~{lang}/{query_set}": f"{VECTORS}/queries/{lang}/{query_set}.npy"
                for lang in LANGUAGES
                for query_set in adversarial_query_sets()
            },
            **{
                f"ids~{lang}/{query_set}": f"{VECTORS}/queries/{lang}/{query_set}.ids.txt"
                for lang in LANGUAGES
                for query_set in adversarial_query_sets()
            },
            **{
                f"summary~{lang}": f"{ADVERSARIAL}/{lang}/summary.csv"
                for lang in LANGUAGES
            },
        log:
            log_path("greedy_attack", "{backbone}", "{regime}"),
        benchmark:
            benchmark_path("greedy_attack", "{backbone}", "{regime}")
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
                f"{AGG}/attacks/adversarial_summary.csv",
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
            outcomes=f"{AGG}/outcomes.csv",
        output:
            **{
                ext: report(
                    f"{AGG}/adversarial_transfer.{ext}",
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
