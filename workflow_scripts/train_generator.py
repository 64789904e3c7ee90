"""Rule train_generator: fine-tune a query generator on (English passage -> question in language L)."""

import json
import shutil
from pathlib import Path

from xqg.formats import read_generator_pairs, read_passages
from xqg.generation import GeneratorPair, GeneratorTrainingConfig, train_query_generator
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    passages = {p.id: p for p in read_passages(snakemake.input.corpus)}

    def pairs(path):
        result = []
        for pair in read_generator_pairs(path):
            if pair.passage_id not in passages:
                raise ValueError(f"{path}: passage {pair.passage_id!r} is not in {snakemake.input.corpus}")
            passage = passages[pair.passage_id]
            result.append(GeneratorPair(passage.title, passage.text, pair.lang, pair.question))
        return result

    config = GeneratorTrainingConfig(
        architecture=snakemake.params.architecture,
        prompt_style=snakemake.params.prompt_style,
        **snakemake.params.training,
    )
    # Work outside the rule's output folder (Snakemake clears outputs before a job): an interrupted
    # training resumes from its checkpoint there.
    work = Path(snakemake.params.checkpoints)
    summary = train_query_generator(
        pairs(snakemake.input.pairs_train),
        pairs(snakemake.input.pairs_dev),
        snakemake.params.base,
        config,
        work,
        vocabulary_texts=(f"{p.title} {p.text}" for p in passages.values()),
        threads=snakemake.threads,
    )
    log.info("generator training summary: %s", json.dumps(summary, default=str))
    out = Path(snakemake.output[0])
    tmp = out.with_name(out.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(work / "model", tmp)
    tmp.rename(out)
