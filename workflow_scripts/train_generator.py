"""Rule train_generator: fine-tune a query generator on (English passage -> question in language L)."""

import json
from pathlib import Path

from xqg.formats import InputFormatError, read_generator_pairs, read_passages
from xqg.generation import GeneratorPair, GeneratorTrainingConfig, train_query_generator
from xqg.generation.generator import encoder_text
from xqg.rule_logging import rule_log
from xqg.training_outputs import publish_model
from xqg.tokenizer_loading import load_tokenizer
from xqg.truncation import count_truncated

# Housekeeping, read from the config rather than passed as a param: a param change would retrain.
KEEP_WORK = snakemake.config["storage"]["keep_training_checkpoints"]

with rule_log(snakemake.log[0]) as log:
    passages = {p.id: p for p in read_passages(snakemake.input.corpus)}

    def pairs(path):
        result = []
        for pair in read_generator_pairs(path):
            if pair.passage_id not in passages:
                raise ValueError(f"{path}: passage {pair.passage_id!r} is not in {snakemake.input.corpus}")
            passage = passages[pair.passage_id]
            result.append(GeneratorPair(passage.title, passage.text, pair.lang, pair.question))
        if not result:
            raise InputFormatError(path, None, None, "no generator pairs")
        return result

    config = GeneratorTrainingConfig(
        architecture=snakemake.params.architecture,
        prompt_style=snakemake.params.prompt_style,
        # xqg.settings.sections.GeneratorTrainingSettings; its threads are the job's (snakemake.threads)
        **{key: value for key, value in snakemake.params.training._asdict().items() if key != "threads"},
    )
    train_pairs, dev_pairs = pairs(snakemake.input.pairs_train), pairs(snakemake.input.pairs_dev)
    # What the maximum lengths cut off, per file: each distinct passage prompt, every target question
    tokenizer = load_tokenizer(snakemake.params.base)
    for path, split in ((snakemake.input.pairs_train, train_pairs), (snakemake.input.pairs_dev, dev_pairs)):
        prompts = dict.fromkeys(encoder_text(p.passage_title, p.passage_text, p.lang, config.prompt_style) for p in split)
        log.info("%s", count_truncated(tokenizer, prompts, config.max_input_length).describe(path, "passage prompts"))
        questions = count_truncated(tokenizer, [p.question for p in split], config.max_target_length - 1, add_special_tokens=False)
        log.info("%s", questions.describe(path, "target questions"))
    # Work outside the rule's output folder (Snakemake clears outputs before a job): an interrupted
    # training resumes from its checkpoint there.
    work = Path(snakemake.params.checkpoints)
    summary = train_query_generator(
        train_pairs,
        dev_pairs,
        snakemake.params.base,
        config,
        work,
        vocabulary_texts=(f"{p.title} {p.text}" for p in passages.values()),
        threads=snakemake.threads,
    )
    log.info("generator training summary: %s", json.dumps(summary, default=str))
    # The best model into the output, then the work folder goes unless the config keeps it
    publish_model(work / "model", snakemake.output[0], work=work, keep_work=KEEP_WORK)
