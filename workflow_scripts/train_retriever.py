"""Rule train_retriever: fine-tune a backbone as a tied bi-encoder (Tevatron's recipe)."""

import json
import shutil
from pathlib import Path

from xqg.encoder_spec import EncoderSpec
from xqg.file_errors import naming_files
from xqg.formats import InputFormatError, read_passages, read_qrels
from xqg.retriever.bi_encoder import TrainingConfig, TrainingExample, training_examples, with_hard_negatives
from xqg.retriever.tevatron_data import read_tevatron_training
from xqg.retriever.training import train_bi_encoder
from xqg.retriever.training_data import read_training_queries
from xqg.rule_logging import rule_log
from xqg.torch_runtime import resolve_device
from xqg.training_outputs import publish_model
from xqg.tokenizer_loading import load_tokenizer
from xqg.truncation import count_truncated

# Housekeeping, read from the config rather than passed as a param: a param change would retrain.
KEEP_WORK = snakemake.config["storage"]["keep_training_checkpoints"]


def perturbed(queries: list[tuple[str, str]], source: str) -> list[tuple[str, str]]:
    """The training queries (id, text), with the texts of rule perturb_training_queries where the regime is a
    perturbation-augmented one (a defence): {query id: text}, one for every query of ``source``."""
    if not snakemake.input.perturbed:
        return queries
    path = snakemake.input.perturbed[0]
    with open(path, encoding="utf-8") as handle:
        texts = json.load(handle)
    if not isinstance(texts, dict) or not all(isinstance(t, str) and t.strip() for t in texts.values()):
        raise InputFormatError(path, None, None, "expected an object of query id -> non-empty query text")
    missing = [qid for qid, _ in queries if qid not in texts]
    if missing:
        raise InputFormatError(path, None, None, f"no perturbed text for query {missing[0]!r} of {source} "
                                                       f"({len(missing)} missing)")
    changed = sum(texts[qid] != text for qid, text in queries)
    log.info("training queries of %s with the perturbed texts of %s: %d of %d changed", source, path, changed,
             len(queries))
    return [(qid, texts[qid]) for qid, _ in queries]


with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.training._asdict()  # xqg.settings.sections.RetrieverTrainingSettings
    del settings["hard_negatives"]  # rule mine_hard_negatives's
    del settings["threads"]  # the job's threads: snakemake.threads
    data = settings.pop("data")  # rebuild | tevatron
    if settings["precision"] == "auto":
        # fp16 on GPU as in the paper; fp32 on CPU, where bf16 autocast made backward passes ~20x slower
        settings["precision"] = "fp16" if resolve_device("auto").type == "cuda" else "fp32"
    config = TrainingConfig(**settings)
    spec = EncoderSpec(model=snakemake.params.model, **snakemake.params.spec)
    if data == "tevatron":  # the paper's data: each record brings its passages' text and its negatives
        source, passage_source = snakemake.input.training, snakemake.input.training
        records = read_tevatron_training(source)
        texts = dict(perturbed([(r.query_id, r.query) for r in records], source))
        examples = [TrainingExample(texts[r.query_id], r.positives, r.negatives) for r in records]
        log.info("%d training examples from Tevatron's %s", len(examples), source)
    else:  # rebuild: qrels positives and the mined BM25 negatives, passages from the corpus
        source, passage_source = snakemake.input.questions, snakemake.input.corpus
        passages = {p.id: (p.title, p.text) for p in read_passages(snakemake.input.corpus)}
        queries = read_training_queries(snakemake.input.questions, read_qrels(snakemake.input.qrels))
        with open(snakemake.input.negatives, encoding="utf-8") as handle:
            negatives = json.load(handle)
        with naming_files(snakemake.input.negatives, snakemake.input.corpus):  # a negative not in the corpus
            examples = training_examples(
                perturbed([(q.id, q.text) for q in queries], source),
                passages,
                {q.id: q.positives for q in queries},
                negatives,
            )
        log.info("%d training examples from %d queries", len(examples), len(queries))
    examples, dropped = with_hard_negatives(examples, config.negatives_per_query)
    if dropped:
        log.warning("%d training examples have no hard negative and are left out (negatives_per_query %d): %d remain",
                    dropped, config.negatives_per_query, len(examples))
    if not examples:
        raise ValueError(f"{source}: no training example with a positive passage and "
                         f"{config.negatives_per_query} hard negatives")
    # What the model's maximum lengths cut off, per file: every training query, every distinct passage
    tokenizer = load_tokenizer(spec.model)
    for source, what, texts, max_length in (
        (source, "training queries", [spec.query_text(e.query) for e in examples], spec.max_query_length),
        (passage_source, "training passages (positives and hard negatives)",
         list(dict.fromkeys(spec.passage_text(title, text) for e in examples for title, text in e.positives + e.negatives)),
         spec.max_passage_length),
    ):
        log.info("%s", count_truncated(tokenizer, texts, max_length).describe(source, what))
    # Train in a working folder outside the rule's output: Snakemake clears outputs before a job
    # starts, and the checkpoint there lets an interrupted run resume.
    work = Path(snakemake.params.checkpoints)
    summary = train_bi_encoder(examples, spec, config, work, threads=snakemake.threads)
    log.info("trained %d steps: loss %.4f -> %.4f", summary.steps, summary.initial_loss, summary.final_loss)
    # The model into the output, then the work folder goes (checkpoints and all) unless the config keeps it
    publish_model(work, snakemake.output[0], work=work, keep_work=KEEP_WORK, ignore=shutil.ignore_patterns("checkpoint"))
