"""Rule greedy_attack: greedy black-box attack of each main system of one encoder, for one language."""

from xqg.adversarial import CachedEncoder, GreedySettings, run_greedy_attack
from xqg.encoder_spec import EncoderSpec
from xqg.formats import read_qrels, read_questions
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    w = snakemake.wildcards
    settings = GreedySettings.from_config(snakemake.params.greedy)
    encoding = snakemake.params.encoding
    encode = CachedEncoder(EncoderSpec(model=snakemake.params.model, **snakemake.params.spec),
                           batch_size=encoding["batch_size"], precision=encoding["precision"], threads=snakemake.threads)
    run_greedy_attack(
        questions=read_questions(snakemake.input.questions, languages=[w.lang]),
        qrels=read_qrels(snakemake.input.qrels),
        systems={system: snakemake.input[f"index~{system}"] for system in snakemake.params.systems},
        encode=encode,
        settings=settings,
        budgets=snakemake.params.budgets,
        search_settings=snakemake.params.search,
        outputs={name: path for name, path in snakemake.output.items() if name != "summary"},
        summary_path=snakemake.output.summary,
        context={"backbone": w.backbone, "regime": w.regime, "lang": w.lang},
        log=log,
    )
    log.info("encoded %d distinct texts", encode.encoded)
