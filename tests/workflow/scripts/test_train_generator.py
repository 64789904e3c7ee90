"""workflow_scripts/train_generator.py run in-process as Snakemake runs it:
the work folder is removed once the model is published; truncation is logged per file."""

from __future__ import annotations

import json

from tests.helpers.script_runner import Job, NamedList, record, run_script
from tests.helpers.tiny_models import WORDS, save_tiny_mt5

TOKENS = WORDS[:40]


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
                      max_input_length=24, seed=1, threads=1)
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
