"""A synthetic XOR-TyDi world around real (or stand-in) questions, in the benchmark's real formats: a
DPR-format corpus (``enwiki_20190201_w100.tsv``: id, text, title) with planted gold chunks, the
gold-paragraph zip (``tydi_xor_gp.zip``, SQuAD JSON) and a Tevatron/wikipedia-nq training file. Used by
the XOR-TyDi loader tests and by the full configuration's rehearsal."""

from __future__ import annotations

import gzip
import json
import random
import zipfile
from pathlib import Path

from xqg.xor_tydi.xor_layout import XorTydiInputs
from xqg.xor_tydi.xor_questions import answerable


GREEK = "αβγδεζηθικλμνξοπρστυφχψω"


def _filler(rng: random.Random, n: int) -> list[str]:
    # answers are English; Greek filler cannot contain one by accident
    return ["".join(rng.choice(GREEK) for _ in range(5)) for _ in range(n)]


def _dpr_row(pid: str, text: str, title: str) -> str:
    quoted = lambda s: '"' + s.replace('"', '""') + '"' if '"' in s else s  # noqa: E731
    return f"{pid}\t{quoted(text)}\t{quoted(title)}\n"


def build_world(tmp_path: Path, dev, train, *, dev_file: Path, train_file: Path, n_filler: int = 3000,
                n_dev: int = 25, n_train: int = 40):
    """A corpus with planted gold chunks for the first ``n_dev`` / ``n_train`` answerable questions of
    ``dev`` / ``train`` (read from ``dev_file`` / ``train_file``), the gold-paragraph zip, an NQ file.

    Returns the inputs and the expected qrels/English positives."""
    rng = random.Random(0)
    picked = {"train": [q for q in train if answerable(q.answers) and len(q.answers[0]) >= 3][:n_train]
              + [q for q in train if not answerable(q.answers)][:5],
              "dev": [q for q in dev if answerable(q.answers) and len(q.answers[0]) >= 3][:n_dev]}
    rows, squad = [], {"train": [], "dev": []}
    expected = {"train": {}, "dev": {}}
    pid = 0

    def add(text: str, title: str) -> str:
        nonlocal pid
        pid += 1
        rows.append(_dpr_row(str(pid), text, title))
        return str(pid)

    for _ in range(n_filler // 2):
        add(" ".join(_filler(rng, 100)) + ' said ""x""'.replace('""', '"'), f"Filler {pid}")
    for split in ("train", "dev"):
        for k, q in enumerate(picked[split]):
            title = f"Gold {split} {k}"
            first, second = _filler(rng, 30), _filler(rng, 25)
            answer = answerable(q.answers)[0] if answerable(q.answers) else None
            paragraph = " ".join(first + ([answer] if answer else []) + second)
            add(" ".join(_filler(rng, 90)), title)  # same article, no overlap: never gold
            a = add(" ".join(_filler(rng, 60) + first + ([answer] if answer else [])), title)
            b = add(" ".join(second + _filler(rng, 70)), title)
            add(paragraph, "Some Other Article")  # identical text, other title: never gold
            expected[split][q.id] = {a} if answer else {a, b}
            squad[split].append({"title": f"title:{title}_parentSection:Intro_sectionName:Intro_sectionIndex:{k}",
                                 "paragraphs": [{"context": paragraph + "\n", "qas": [{
                                     "id": q.id, "question": q.text, "lang": f" {q.lang}",
                                     "answers": [{"text": answer, "answer_start": paragraph.find(answer)}] if answer else []}]}]})
    # NQ: positives cut at other boundaries (another dump), located by overlap + answer
    nq_lines, expected_en = [], {}
    for k in range(4):
        title, words = f"NQ Article {k}", _filler(rng, 120)
        words[50] = "Answer"
        c1 = add(" ".join(words[:100]), title)
        add(" ".join(words[100:] + _filler(rng, 80)), title)
        expected_en[f"nq{k}"] = [c1]
        nq_lines.append({"query_id": f"nq{k}", "query": f"question {k}", "answers": ["Answer"],
                         "positive_passages": [{"docid": f"d{k}", "title": title, "text": " ".join(words[5:105])}],
                         "negative_passages": [{"docid": "n", "title": "t", "text": "unused"}]})
    nq_lines.append({"query_id": "nq-missing", "query": "lost", "answers": ["zzz"],
                     "positive_passages": [{"docid": "m", "title": "Nowhere", "text": "not in this corpus at all, anywhere"}]})
    for _ in range(n_filler - n_filler // 2):
        add(" ".join(_filler(rng, 100)), f"Filler {pid}")

    corpus = tmp_path / "enwiki_20190201_w100.tsv"
    corpus.write_text("id\ttext\ttitle\n" + "".join(rows), encoding="utf-8")
    gp = tmp_path / "tydi_xor_gp.zip"
    with zipfile.ZipFile(gp, "w") as archive:
        for split in ("train", "dev"):
            archive.writestr(f"tydi_xor_gp/gp_squad_{split}_data.json", json.dumps({"data": squad[split], "version": "1"}))
    nq = tmp_path / "nq-train.jsonl.gz"
    with gzip.open(nq, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in nq_lines)
    inputs = XorTydiInputs(dev=dev_file, train=train_file, gold_paragraphs=gp, corpus=corpus, nq_train=nq)
    return inputs, expected, expected_en, squad
