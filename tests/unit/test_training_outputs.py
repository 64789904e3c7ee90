"""Training work folders: the final model is published into the rule's output, then the work folder
(model copy, checkpoints) is removed unless storage.keep_training_checkpoints keeps it; a killed run
keeps its checkpoint until then. The training rules' scripts also log what truncation cut off, per file."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import pytest

from script_runner import Job, NamedList, record, run_script
from tiny_models import WORDS, save_tiny_bert, save_tiny_mt5
from xqg.encoder_spec import EncoderSpec
from xqg.retriever.bi_encoder import TrainingConfig, TrainingExample
from xqg.retriever.training import train_bi_encoder
from xqg.training_outputs import publish_model

TOKENS = WORDS[:40]


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    return save_tiny_bert(tmp_path_factory.mktemp("bert"))


def _examples(count: int, seed: int = 0) -> list[TrainingExample]:
    rng = random.Random(seed)
    examples = []
    for _ in range(count):
        words = rng.sample(TOKENS, 3)
        positive = " ".join(rng.sample(words + rng.sample(TOKENS, 3), 6))
        negatives = tuple(("title", " ".join(rng.sample(TOKENS, 6))) for _ in range(2))
        examples.append(TrainingExample(" ".join(words), (("title", positive),), negatives))
    return examples


def _train(model: str, work: Path, **overrides):
    spec = EncoderSpec(model, pooling="mean", max_query_length=8, max_passage_length=16)
    config = TrainingConfig(**({"learning_rate": 1e-3, "batch_size": 4, "negatives_per_query": 1, "epochs": 2,
                                "max_steps": 4, "checkpoint_every": 2, "seed": 3} | overrides))
    return train_bi_encoder(_examples(12), spec, config, work, device="cpu", threads=1, progress=False)


def test_publish_removes_the_work_folder_once_the_model_is_written(tmp_path, tiny_bert):
    results = tmp_path / "results" / "ci"
    work = results / "checkpoints" / "retriever" / "bert" / "fine-tuned"
    _train(tiny_bert, work)
    assert (work / "model.safetensors").exists()
    out = results / "models" / "bert" / "fine-tuned"
    out.parent.mkdir(parents=True)
    publish_model(work, out, work=work, ignore=shutil.ignore_patterns("checkpoint"))
    assert (out / "model.safetensors").exists() and (out / "tokenizer.json").exists() and (out / "summary.json").exists()
    assert not work.exists()
    assert not (results / "checkpoints").exists()  # emptied parents go, up to the checkpoints folder
    assert not out.with_name(out.name + ".part").exists()


def test_publish_keeps_the_work_folder_when_asked(tmp_path, tiny_bert):
    work = tmp_path / "checkpoints" / "retriever" / "bert" / "fine-tuned"
    _train(tiny_bert, work)
    out = tmp_path / "model"
    publish_model(work, out, work=work, keep_work=True, ignore=shutil.ignore_patterns("checkpoint"))
    assert (out / "model.safetensors").exists() and (work / "model.safetensors").exists()


def test_other_folders_next_to_the_work_folder_stay(tmp_path, tiny_bert):
    checkpoints = tmp_path / "checkpoints"
    work, other = checkpoints / "retriever" / "bert" / "fine-tuned", checkpoints / "retriever" / "bert" / "zero-shot"
    other.mkdir(parents=True)
    _train(tiny_bert, work)
    publish_model(work, tmp_path / "model", work=work)
    assert not work.exists() and other.is_dir()


class _Killed(Exception):
    pass


def test_a_killed_training_keeps_its_checkpoint_and_resumes(tmp_path, tiny_bert):
    """Nothing is removed before the final model is published: the checkpoint of a killed run is there to resume."""
    work = tmp_path / "checkpoints" / "retriever" / "bert" / "fine-tuned"

    def kill_at_step_3(step, loss):
        if step == 3:
            raise _Killed

    spec = EncoderSpec(tiny_bert, pooling="mean", max_query_length=8, max_passage_length=16)
    config = TrainingConfig(learning_rate=1e-3, batch_size=4, negatives_per_query=1, epochs=2, max_steps=4, checkpoint_every=2,
                            seed=3)
    with pytest.raises(_Killed):
        train_bi_encoder(_examples(12), spec, config, work, device="cpu", threads=1, progress=False, on_step=kill_at_step_3)
    assert (work / "checkpoint" / "state.json").exists()
    resumed = _train(tiny_bert, work)
    assert resumed.resumed_from_step == 2
    publish_model(work, tmp_path / "model", work=work, ignore=shutil.ignore_patterns("checkpoint"))
    assert not work.exists() and (tmp_path / "model" / "model.safetensors").exists()


# ------------------------------------------------------------------ the rules' scripts, run in-process


def _write_retriever_inputs(folder: Path) -> dict[str, Path]:
    rng = random.Random(5)
    passages = {f"p{i}": " ".join(rng.sample(TOKENS, 6)) for i in range(12)}
    passages["p_long"] = " ".join(TOKENS[:30])  # 30 words: longer than max_passage_length 16
    corpus = folder / "corpus.tsv"
    corpus.write_text("id\ttext\ttitle\n" + "".join(f"{pid}\t{text}\ttitle\n" for pid, text in passages.items()), encoding="utf-8")
    questions, negatives = folder / "english_train.jsonl", {}
    with questions.open("w", encoding="utf-8") as handle:
        for i in range(8):
            positive = "p_long" if i == 0 else f"p{i}"
            text = " ".join(TOKENS[:12]) if i == 1 else " ".join(passages[positive].split()[:3])  # q1: longer than 8
            handle.write(json.dumps({"id": f"q{i}", "question": text, "answers": [], "positive_passage_ids": [positive]}) + "\n")
            negatives[f"q{i}"] = [f"p{(i + 3) % 12}", f"p{(i + 5) % 12}"]
    qrels = folder / "qrels.train.tsv"
    qrels.write_text("", encoding="utf-8")
    negatives_file = folder / "hard_negatives.json"
    negatives_file.write_text(json.dumps(negatives), encoding="utf-8")
    return {"corpus": corpus, "questions": questions, "qrels": qrels, "negatives": negatives_file}


def _retriever_job(tmp_path: Path, model: str, keep: bool) -> tuple[Job, Path, Path, Path]:
    inputs = _write_retriever_inputs(tmp_path)
    work = tmp_path / "results" / "checkpoints" / "retriever" / "bert" / "fine-tuned"
    out = tmp_path / "results" / "models" / "bert" / "fine-tuned"
    out.parent.mkdir(parents=True)
    log = tmp_path / "train_retriever.log"
    training = record(learning_rate=1e-3, batch_size=4, negatives_per_query=1, epochs=1, max_steps=2, warmup_ratio=0.0,
                      temperature=1.0, precision="fp32", seed=1, checkpoint_every=1,
                      hard_negatives=record(mode="positive_passage", depth=30))
    spec = {"pooling": "mean", "query_prefix": "", "passage_prefix": "", "normalize": False,
            "max_query_length": 8, "max_passage_length": 16}
    job = Job(input=NamedList(**{k: str(v) for k, v in inputs.items()}), output=NamedList(str(out)),
              params=NamedList(model=model, spec=spec, training=training, checkpoints=str(work)),
              log=NamedList(str(log)), threads=1,
              config={"storage": {"keep_training_checkpoints": keep}})
    return job, work, out, log


def test_train_retriever_rule_removes_its_work_folder_and_logs_truncation(tmp_path, tiny_bert):
    job, work, out, log = _retriever_job(tmp_path, tiny_bert, keep=False)
    run_script("train_retriever", job)
    assert (out / "model.safetensors").exists() and (out / "summary.json").exists()
    assert not work.exists() and not (tmp_path / "results" / "checkpoints").exists()
    text = log.read_text(encoding="utf-8")
    assert "removed the training work folder" in text
    # one of 8 training queries (q1, 12 words + [CLS] [SEP]) is longer than 8 tokens; of the distinct passages
    # (positives and negatives), p_long (30 words) is the only one longer than 16
    assert re.search(rf"{re.escape(job.input.questions)}: 1 of 8 training queries longer than 8 tokens", text), text
    match = re.search(rf"{re.escape(job.input.corpus)}: 1 of (\d+) training passages .* longer than 16 tokens", text)
    assert match and int(match.group(1)) > 1, text


def test_train_retriever_rule_keeps_its_work_folder_when_configured(tmp_path, tiny_bert):
    job, work, out, log = _retriever_job(tmp_path, tiny_bert, keep=True)
    run_script("train_retriever", job)
    assert (out / "model.safetensors").exists() and (work / "model.safetensors").exists()
    assert "kept the training work folder" in log.read_text(encoding="utf-8")


def test_train_generator_rule_removes_its_work_folder_and_logs_truncation(tmp_path):
    base = save_tiny_mt5(tmp_path / "mt5")
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text("id\ttext\ttitle\np1\tw1 w2 w3\ttitle\np2\t" + " ".join(TOKENS) + "\ttitle\n", encoding="utf-8")
    pairs = {}
    for split in ("train", "dev"):
        pairs[split] = tmp_path / f"generator_pairs.{split}.jsonl"
        pairs[split].write_text("".join(json.dumps({"passage_id": pid, "lang": lang, "question": "w1 w2 question"}) + "\n"
                                        for pid in ("p1", "p2") for lang in ("ru", "fi")), encoding="utf-8")
    work = tmp_path / "results" / "checkpoints" / "generator" / "mt5"
    out = tmp_path / "results" / "generators" / "mt5" / "model"
    out.parent.mkdir(parents=True)
    log = tmp_path / "train_generator.log"
    training = record(learning_rate=1e-3, batch_size=4, gradient_accumulation_steps=1, max_steps=2, eval_every=1,
                      max_input_length=24, seed=1)
    job = Job(input=NamedList(corpus=str(corpus), pairs_train=str(pairs["train"]), pairs_dev=str(pairs["dev"])),
              output=NamedList(str(out)), log=NamedList(str(log)), threads=1,
              params=NamedList(base=base, architecture="seq2seq", prompt_style="text", training=training, checkpoints=str(work)))
    run_script("train_generator", job)
    assert (out / "model.safetensors").exists()
    assert not work.exists() and not (tmp_path / "results" / "checkpoints").exists()
    text = log.read_text(encoding="utf-8")
    # the text prompt of p2 ("Generate a ... question for this passage: title" + 40 words) is cut at 24 tokens,
    # in both languages; p1's is not
    for split in ("train", "dev"):
        assert f"{pairs[split]}: 2 of 4 passage prompts longer than 24 tokens" in text, text
        assert f"{pairs[split]}: 0 of 4 target questions longer than 63 tokens" in text, text
