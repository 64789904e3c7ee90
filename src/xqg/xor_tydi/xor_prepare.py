"""The prepare_xor_tydi step: the released XOR-TyDi files (and NQ) into the workflow's data layout.

The corpus, ``enwiki_20190201_w100.tsv`` (DPR layout: header ``id<TAB>text<TAB>title``, text quoted with
doubled quotes where it holds quotes), is streamed, never loaded whole: one pass locates the gold
passages, a second writes the sub-corpus.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from tqdm import tqdm

from xqg.downloads import verify_checksum
from xqg.files import atomic_open
from xqg.formats import Passage, iter_passages, write_passages, write_qrels, write_questions
from xqg.xor_tydi.gold_paragraphs import generator_pairs, read_gold_paragraph_data
from xqg.xor_tydi.gold_passages import NGRAM, CorpusMatcher, Reference
from xqg.xor_tydi.nq_training import read_english_training
from xqg.xor_tydi.subcorpus import sample_distractors, subcorpus_passages
from xqg.xor_tydi.xor_layout import INPUT_CONFIG_NAMES, XorTydiInputs, XorTydiOutputs
from xqg.xor_tydi.xor_questions import _stripped, answerable, question_counts, read_xor_questions

log = logging.getLogger("xqg.xor_tydi")  # the package's one logger: log lines name it as before the split


def _bar(passages: Iterable[Passage], desc: str) -> Iterable[Passage]:
    return tqdm(passages, desc=desc, unit=" passages", unit_scale=True, mininterval=30)


def _qrels(gold: Mapping[str, Sequence[str]], question_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    return {qid: {pid: 1 for pid in gold[qid]} for qid in question_ids if gold.get(qid)}


def write_jsonl(path: str | os.PathLike, records: Iterable[dict]) -> int:
    n = 0
    with atomic_open(path) as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


def prepare_xor_tydi(
    inputs: XorTydiInputs,
    outputs: XorTydiOutputs,
    subcorpus: Mapping[str, object],
    checksums: Mapping[str, str | None],
) -> dict[str, object]:
    """Convert the released XOR-TyDi files (and NQ) into the workflow's data layout; return the counts.

    ``subcorpus``: ``{"distractors": N or None, "seed": int}``; ``checksums``: pinned SHA-256 by config
    name (``dev_questions``, ...; None = not pinned). Every input with a pinned digest is verified first.
    """
    digests: dict[str, str] = {}

    def verify(name: str) -> None:
        config_name, path = INPUT_CONFIG_NAMES[name], getattr(inputs, name)
        if path.is_dir():
            digests[config_name] = "(a folder: not checksummed)"
        else:
            pinned = checksums.get(config_name)
            digests[config_name] = verify_checksum(path, pinned) + (" (verified)" if pinned else " (not pinned)")

    # the small inputs first, so that a wrong one stops the step before the corpus is hashed and read
    for name in ("dev", "train", "gold_paragraphs", "nq_train"):
        verify(name)
    dev, dev_stripped = read_xor_questions(inputs.dev)
    train, train_stripped = read_xor_questions(inputs.train)
    overlap = {q.id for q in dev} & {q.id for q in train}
    if overlap:
        raise ValueError(f"{len(overlap)} question ids are in both {inputs.dev} and {inputs.train}, e.g. {sorted(overlap)[:3]}")
    log.info("questions: dev %d %s, train %d %s", len(dev), question_counts(dev), len(train), question_counts(train))
    gp = read_gold_paragraph_data(inputs.gold_paragraphs)
    english = read_english_training(inputs.nq_train)
    verify("corpus")

    # references to locate in the corpus; XOR answers come from the question files (the benchmark's),
    # stripped for matching only (some end in "\xa0" or "\n\n", which a passage never contains)
    answers = {q.id: _stripped(answerable(q.answers)) for q in (*dev, *train)}
    references = [Reference(g.question_id, g.title, g.text, answers[g.question_id])
                  for split in ("train", "dev") for g in gp[split] if g.question_id in answers]
    n_xor_refs = len(references)
    references += [Reference(f"en:{q.id}", title, text, _stripped(answerable(q.answers))) for q in english for title, text in q.positives]
    matcher = CorpusMatcher(references)

    n_passages = 0
    for passage in _bar(iter_passages(inputs.corpus), "corpus pass 1/2 (locate gold passages)"):
        matcher.observe(passage)
        n_passages += 1
    gold = matcher.gold_passages()
    xor_stats = matcher.stats(range(n_xor_refs))
    en_stats = matcher.stats(range(n_xor_refs, len(references)))
    for what, stats in (("XOR-TyDi gold paragraphs", xor_stats), ("English positives", en_stats)):
        log.info("%s located in the corpus: %s", what, vars(stats))
        if stats.references and stats.matched < 0.8 * stats.references:
            log.warning("only %d of %d %s were located in %s: check that the corpus is enwiki_20190201_w100.tsv "
                        "and that titles agree", stats.matched, stats.references, what, inputs.corpus)

    qrels_dev = _qrels(gold, [q.id for q in dev])
    qrels_train = _qrels(gold, [q.id for q in train])
    english_rows = [{"id": q.id, "question": q.question, "answers": list(q.answers), "positive_passage_ids": gold[f"en:{q.id}"]}
                    for q in english if gold.get(f"en:{q.id}")]
    if not english_rows:
        raise ValueError(f"none of the {len(english)} English training queries' positive passages was found in {inputs.corpus}")

    gold_ids = {pid for ids in gold.values() for pid in ids}
    distractors_n = subcorpus.get("distractors")
    seed = int(subcorpus.get("seed", 0))
    chosen = sample_distractors(n_passages - len(gold_ids), None if distractors_n is None else int(distractors_n), seed)
    kept = 0

    def counted(passages: Iterable[Passage]) -> Iterator[Passage]:
        nonlocal kept
        for p in passages:
            kept += 1
            yield p

    write_passages(outputs.corpus, counted(subcorpus_passages(
        _bar(iter_passages(inputs.corpus), "corpus pass 2/2 (write)"), gold_ids, chosen)))

    write_questions(outputs.dev, dev)
    write_questions(outputs.train, train)
    write_qrels(outputs.qrels_dev, qrels_dev)
    write_qrels(outputs.qrels_train, qrels_train)
    n_pairs_train = write_jsonl(outputs.pairs_train, generator_pairs(gp["train"]))
    n_pairs_dev = write_jsonl(outputs.pairs_dev, generator_pairs(gp["dev"], {g.question_id for g in gp["train"]}))
    write_jsonl(outputs.english_train, english_rows)

    counts: dict[str, object] = {
        "corpus_passages": n_passages,
        "gold_passages": len(gold_ids),
        "distractors": kept - len(gold_ids),
        "subcorpus_passages": kept,
        "dev_questions": len(dev),
        "train_questions": len(train),
        "dev_per_language": question_counts(dev),
        "train_per_language": question_counts(train),
        "dev_yes_no_only": sum(1 for q in dev if not answerable(q.answers)),
        "train_yes_no_only": sum(1 for q in train if not answerable(q.answers)),
        "language_codes_stripped": dev_stripped + train_stripped,
        "gold_paragraphs_train": len(gp["train"]),
        "gold_paragraphs_dev": len(gp["dev"]),
        "qrels_dev_questions": len(qrels_dev),
        "qrels_train_questions": len(qrels_train),
        "qrels_dev_pairs": sum(len(v) for v in qrels_dev.values()),
        "qrels_train_pairs": sum(len(v) for v in qrels_train.values()),
        "xor_references": vars(xor_stats),
        "english_references": vars(en_stats),
        "generator_pairs_train": n_pairs_train,
        "generator_pairs_dev": n_pairs_dev,
        "english_queries_read": len(english),
        "english_queries_kept": len(english_rows),
    }
    _write_readme(outputs.readme, counts, inputs, digests, distractors_n, seed)
    log.info("prepared XOR-TyDi: %s", json.dumps(counts))
    return counts


def _write_readme(path: Path, counts: Mapping[str, object], inputs: XorTydiInputs, digests: Mapping[str, str],
                  distractors: object, seed: int) -> None:
    protocol = ("the whole corpus (no sampling)" if distractors is None else
                f"the gold passages plus {distractors} distractors drawn uniformly without replacement from the other "
                f"passages (numpy default_rng({seed}).choice), in corpus order. Scores on a sub-corpus are not "
                "comparable with the paper's full-corpus numbers")
    lines = [
        "# XOR-TyDi XOR-Retrieve data (prepared by xqg.xor_tydi)",
        "",
        f"Passage collection: {protocol}.",
        f"Kept {counts['subcorpus_passages']} of {counts['corpus_passages']} passages: {counts['gold_passages']} gold "
        f"passages and {counts['distractors']} distractors (seed {seed}).",
        "",
        "Gold passages: corpus passages with the gold paragraph's article title that share a run of at least "
        f"{NGRAM} consecutive words with it, narrowed to those containing an answer (substring; answers stripped of surrounding whitespace, yes/no excluded) "
        "where any does. English (NQ) positives are located in this corpus the same way.",
        "",
        "| count | value |",
        "| --- | --- |",
    ]
    for key, value in counts.items():
        lines.append(f"| {key} | {json.dumps(value) if isinstance(value, dict) else value} |")
    lines += ["", "Inputs (SHA-256):", ""]
    for name, config_name in INPUT_CONFIG_NAMES.items():
        lines.append(f"- {config_name}: `{getattr(inputs, name).name}` {digests[config_name]}")
    with atomic_open(path) as handle:
        handle.write("\n".join(lines) + "\n")
