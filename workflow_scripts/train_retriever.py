"""Rule train_retriever: fine-tune a backbone as a tied bi-encoder (Tevatron's recipe)."""

import json
import shutil
from pathlib import Path

import torch

from xqg.encoder_spec import EncoderSpec
from xqg.formats import read_passages, read_qrels
from xqg.retriever.training_data import read_training_queries
from xqg.rule_logging import rule_log
from xqg.retriever.training import TrainingConfig, train_bi_encoder, training_examples, with_hard_negatives

with rule_log(snakemake.log[0]) as log:
    settings = dict(snakemake.params.training)
    settings.pop("hard_negatives", None)
    if settings.get("precision", "auto") == "auto":
        # fp16 on GPU as in the paper; fp32 on CPU, where bf16 autocast made backward passes ~20x slower
        settings["precision"] = "fp16" if torch.cuda.is_available() else "fp32"
    config = TrainingConfig(**settings)
    spec = EncoderSpec(model=snakemake.params.model, **snakemake.params.spec)
    passages = {p.id: (p.title, p.text) for p in read_passages(snakemake.input.corpus)}
    queries = read_training_queries(snakemake.input.questions, read_qrels(snakemake.input.qrels))
    with open(snakemake.input.negatives, encoding="utf-8") as handle:
        negatives = json.load(handle)
    examples = training_examples(
        [(q.id, q.text) for q in queries],
        passages,
        {q.id: q.positives for q in queries},
        negatives,
    )
    log.info("%d training examples from %d queries", len(examples), len(queries))
    examples, dropped = with_hard_negatives(examples, config.negatives_per_query)
    if dropped:
        log.warning("%d training examples have no hard negative and are left out (negatives_per_query %d): %d remain",
                    dropped, config.negatives_per_query, len(examples))
    # Train in a working folder outside the rule's output: Snakemake clears outputs before a job
    # starts, and the checkpoint there lets an interrupted run resume.
    work = Path(snakemake.params.checkpoints)
    summary = train_bi_encoder(examples, spec, config, work, threads=snakemake.threads)
    log.info("trained %d steps: loss %.4f -> %.4f", summary.steps, summary.initial_loss, summary.final_loss)
    out = Path(snakemake.output[0])
    tmp = out.with_name(out.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(work, tmp, ignore=shutil.ignore_patterns("checkpoint"))
    tmp.rename(out)
