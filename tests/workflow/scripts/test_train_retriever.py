"""workflow_scripts/train_retriever.py run in-process as Snakemake runs it:
errors name the files when nothing is left to train on; the work folder is removed (or kept when
configured) once the model is published; truncation is logged per file."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from tests.helpers.rule_inputs import HEADER, training_files
from tests.helpers.script_runner import Job, NamedList, record, run_script
from tests.helpers.tiny_models import WORDS
from xqg.formats import InputFormatError

TOKENS = WORDS[:40]


def test_train_retriever_rule_names_the_files_when_nothing_is_left_to_train_on(tmp_path):
    corpus, questions, qrels = training_files(tmp_path, HEADER + "p1\tthe capital city\tt\np2\tanother city\tt\n")
    negatives = tmp_path / "hard_negatives.json"
    negatives.write_text(json.dumps({"q1": ["p9"]}), encoding="utf-8")  # p9 is not in the corpus
    job = Job(input=NamedList(corpus=str(corpus), questions=str(questions), qrels=str(qrels), negatives=str(negatives),
                              perturbed=[]),
              output=NamedList(str(tmp_path / "model")), log=NamedList(str(tmp_path / "train.log")),
              params=NamedList(model="unused", spec={}, checkpoints=str(tmp_path / "work"),
                               training=record(precision="fp32", negatives_per_query=1, threads=1, data="rebuild",
                                               hard_negatives=record(mode="positive_passage", depth=30))))
    with pytest.raises(ValueError, match=rf"^{negatives}, {corpus}: .*p9"):
        run_script("train_retriever", job)
    negatives.write_text(json.dumps({"q1": []}), encoding="utf-8")  # no hard negative: the example is left out
    with pytest.raises(ValueError, match=rf"^{questions}: no training example"):
        run_script("train_retriever", job)


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
                      temperature=1.0, precision="fp32", seed=1, checkpoint_every=1, threads=1, data="rebuild",
                      hard_negatives=record(mode="positive_passage", depth=30))
    spec = {"pooling": "mean", "query_prefix": "", "passage_prefix": "", "normalize": False,
            "max_query_length": 8, "max_passage_length": 16}
    job = Job(input=NamedList(**{k: str(v) for k, v in inputs.items()}, perturbed=[]), output=NamedList(str(out)),
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


def test_perturbation_augmented_training_reads_the_perturbed_queries(tmp_path, tiny_bert):
    """A regime with perturb (a defence): rule perturb_training_queries attacks the training queries into
    {query id: text}, and train_retriever trains on those texts; a file that misses a query is an error
    naming it."""
    job, _, out, log = _retriever_job(tmp_path, tiny_bert, keep=False)
    perturbed = tmp_path / "perturbed_training_queries.perturbation-tuned.json"
    run_script("perturb_training_queries", Job(
        input=NamedList(**{k: v for k, v in job.input.items() if k != "perturbed"}), output=NamedList(str(perturbed)),
        params=NamedList(perturb=record(attacks=("typo",), rate=1.0, seed=3), data="rebuild"),
        log=NamedList(str(tmp_path / "perturb.log"))))
    texts = json.loads(perturbed.read_text(encoding="utf-8"))
    originals = {json.loads(line)["id"]: json.loads(line)["question"]
                 for line in Path(job.input.questions).read_text(encoding="utf-8").splitlines()}
    assert set(texts) == set(originals) and sum(texts[q] != originals[q] for q in texts) >= 6  # rate 1: typos
    assert "perturbed training queries of" in (tmp_path / "perturb.log").read_text(encoding="utf-8")
    job = Job(input=NamedList(**{**dict(job.input.items()), "perturbed": [str(perturbed)]}), output=job.output,
              params=job.params, log=job.log, threads=1, config=job.config)
    run_script("train_retriever", job)
    assert (out / "model.safetensors").exists()
    changed = sum(texts[q] != originals[q] for q in texts)
    assert f"with the perturbed texts of {perturbed}: {changed} of 8 changed" in log.read_text(encoding="utf-8")
    del texts["q3"]
    perturbed.write_text(json.dumps(texts), encoding="utf-8")
    with pytest.raises(InputFormatError, match=rf"^{perturbed}: no perturbed text for query 'q3'"):
        run_script("train_retriever", job)


def test_train_retriever_rule_trains_on_a_tevatron_file(tmp_path, tiny_bert):
    """retriever_training.data tevatron: the job's one input is Tevatron's JSONL.gz, whose records bring
    their passages' text and hard negatives (no corpus, qrels or mined negatives)."""
    import gzip

    job, work, out, log = _retriever_job(tmp_path, tiny_bert, keep=False)
    passage = lambda i: {"docid": f"p{i}", "title": "title", "text": " ".join(TOKENS[i:i + 6])}  # noqa: E731
    records = [{"query_id": f"q{i}", "query": " ".join(TOKENS[i:i + 3]), "answers": [],
                "positive_passages": [passage(i)], "negative_passages": [passage(i + 10), passage(i + 20)]}
               for i in range(8)]
    training = tmp_path / "xor-tydi-eng_span-train.jsonl.gz"
    with gzip.open(training, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in records)
    job = Job(input=NamedList(training=str(training), perturbed=[]), output=job.output,
              params=NamedList(**{**dict(job.params.items()), "training": job.params.training._replace(data="tevatron")}),
              log=job.log, threads=1, config=job.config)
    run_script("train_retriever", job)
    assert (out / "model.safetensors").exists()
    text = log.read_text(encoding="utf-8")
    assert f"8 training examples from Tevatron's {training}" in text
    assert re.search(rf"{re.escape(str(training))}: 0 of 8 training queries longer than 8 tokens", text), text
