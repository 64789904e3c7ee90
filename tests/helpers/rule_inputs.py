"""Small input files for the rules' scripts run in-process (tests/workflow/scripts)."""

from __future__ import annotations

import json


HEADER = "id\ttext\ttitle\n"


def training_files(tmp_path, corpus_text: str):
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text(corpus_text, encoding="utf-8")
    questions = tmp_path / "english_train.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": "capital city", "answers": [], "positive_passage_ids": ["p1"]})
                         + "\n", encoding="utf-8")
    qrels = tmp_path / "qrels.train.tsv"
    qrels.write_text("", encoding="utf-8")
    return corpus, questions, qrels
