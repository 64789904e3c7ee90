"""XOR-TyDi XOR-Retrieve at full scale: the released files into the workflow's internal data layout.

Inputs (https://nlp.cs.washington.edu/xorqa/XORQA_site/data/ and DPR/Tevatron for NQ):

- questions: ``xor_{train,dev}_retrieve_eng_span*.jsonl``. Quirk of the released train file: all 2,574
  Arabic questions carry ``"lang": " ar"`` (a leading space); language codes are stripped here (and
  counted in the README). Answers are kept byte for byte (a few end in a space; the official evaluation
  matches them as raw substrings).
- corpus: ``enwiki_20190201_w100.tsv`` (DPR layout: header ``id<TAB>text<TAB>title``, text quoted with
  doubled quotes where it holds quotes), streamed, never loaded whole.
- gold paragraphs: ``tydi_xor_gp.zip`` holding ``tydi_xor_gp/gp_squad_{train,dev}_data.json`` in SQuAD
  format: ``{"data": [{"title": "title:T_parentSection:..._sectionName:..._sectionIndex:i",
  "paragraphs": [{"context", "qas": [{"id", "question", "lang", "answers": [{"text", "answer_start"}]}]}]}]}``
  (the title encodes the article T; layout as read by DSI-QG's process_xorqa.py, the generator's data).
- English training data (zero-shot regime): Tevatron/wikipedia-nq JSONL (optionally gzipped),
  ``{"query_id", "query", "answers", "positive_passages": [{"docid", "title", "text"}], ...}``.
  DPR's ``nq-train.qa.csv`` (question<TAB>Python list of answers) has no positive passages: it is parsed
  and then refused with an explanation, since inventing positives from answer strings alone over 18M
  passages would be mostly wrong.

Gold passages. The gold paragraphs (and NQ's positives, cut from a 2018 dump) are not passages of the
100-word corpus: a gold paragraph can straddle two 100-word chunks and the two dumps' chunk boundaries
differ. A corpus passage is therefore matched to a reference paragraph by one streaming pass when
(1) its title equals the paragraph's article title (both normalised: HTML entities, NFC, ``_`` as
space, whitespace, case) and (2) it shares a run of at least ``NGRAM`` consecutive words with it (words:
``\\w+`` after case folding; a reference shorter than that must occur whole). Among the matched passages,
those containing one of the question's answers (substring, as the official evaluation, of the answer
without surrounding whitespace; yes/no excluded) are the gold passages; if none contains one (yes/no questions, or an answer split across a
chunk boundary), all matched passages are.

Sub-corpus protocol: all gold passages (every passage in any qrels or English positive list) plus N
distractors drawn uniformly without replacement from the other passages with numpy's
``default_rng(seed)``, written in corpus order. ``N = None`` keeps the whole corpus.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import html
import io
import json
import logging
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import NamedTuple

import numpy as np
from tqdm import tqdm

from xqg.downloads import verify_checksum
from xqg.files import atomic_open
from xqg.formats import (
    InputFormatError,
    Passage,
    Question,
    iter_passages,
    read_questions,
    write_passages,
    write_qrels,
    write_questions,
)
from xqg.languages import LANGUAGE_INFO, LANGUAGES

log = logging.getLogger(__name__)

NGRAM = 8  # words a corpus passage must share, in a row, with a reference paragraph
YES_NO = frozenset({"yes", "no"})

# Snakemake input name -> key under data.xor_tydi.files (where checksums are pinned)
INPUT_CONFIG_NAMES = {
    "dev": "dev_questions",
    "train": "train_questions",
    "gold_paragraphs": "gold_paragraphs",
    "corpus": "corpus",
    "nq_train": "nq_train",
}


class _PathBundle:
    @classmethod
    def from_mapping(cls, source):
        """Build from anything indexable by name (a dict, Snakemake's ``input``/``output``)."""
        return cls(**{f.name: Path(source[f.name]) for f in fields(cls)})


@dataclass(frozen=True)
class XorTydiInputs(_PathBundle):
    """The rule's named inputs (local copies or downloads)."""

    dev: Path
    train: Path
    gold_paragraphs: Path
    corpus: Path
    nq_train: Path


@dataclass(frozen=True)
class XorTydiOutputs(_PathBundle):
    """The internal data layout (see rules/data.smk) plus the README describing it."""

    corpus: Path
    dev: Path
    train: Path
    qrels_dev: Path
    qrels_train: Path
    pairs_train: Path
    pairs_dev: Path
    english_train: Path
    readme: Path


# ------------------------------------------------------------------------------------------ questions


def read_xor_questions(path: str | os.PathLike) -> tuple[list[Question], int]:
    """Read an XOR-Retrieve question file; return the questions and how many language codes had whitespace.

    :func:`xqg.formats.read_questions` validates the file and strips whitespace around language codes
    (the released train file writes Arabic as ``" ar"``); the count is only for the data README.
    """
    questions = read_questions(path)
    with open(path, "rb") as handle:
        padded = sum(1 for raw in handle if re.search(rb'"lang"\s*:\s*"(\s+[a-z]{2}|[a-z]{2}\s+)"', raw))
    if padded:
        log.warning("%s: stripped whitespace around %d language codes (e.g. ' ar')", path, padded)
    return questions, padded


def answerable(answers: Iterable[str]) -> tuple[str, ...]:
    """The answers the official evaluation uses: all but "yes" and "no"."""
    return tuple(a for a in answers if a not in YES_NO)


def _stripped(answers: Iterable[str]) -> tuple[str, ...]:
    return tuple(a.strip() for a in answers if a.strip())


def question_counts(questions: Sequence[Question]) -> dict[str, int]:
    counts = {lang: 0 for lang in LANGUAGES}
    for q in questions:
        counts[q.lang] += 1
    return counts


# ------------------------------------------------------------------------------------------ gold paragraphs


class GoldParagraph(NamedTuple):
    """One (question, English gold paragraph) annotation from the gold-paragraph data."""

    question_id: str
    lang: str
    question: str
    title: str  # the article title, decoded from the "title:..._parentSection:..." key
    text: str
    answers: tuple[str, ...]


def article_title(raw: str) -> str:
    """``"title:Portland, Oregon_parentSection:..."`` -> ``"Portland, Oregon"``; a plain title is kept."""
    title = raw.strip()
    if title.startswith("title:"):
        title = title[len("title:"):]
        end = title.find("_parentSection:")
        if end >= 0:
            title = title[:end]
    return title.strip()


def _clean_paragraph(text: str) -> str:
    return " ".join(text.split())  # newlines and tabs inside a paragraph become single spaces


def parse_gold_paragraphs(data: object, source: str) -> list[GoldParagraph]:
    """Gold paragraphs from one parsed SQuAD-format file; ``source`` names it in errors."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise InputFormatError(source, None, "data", "expected a SQuAD-format object with a 'data' list")
    out: list[GoldParagraph] = []
    for i, article in enumerate(data["data"]):
        where = f"data[{i}]"
        if not isinstance(article, dict) or not isinstance(article.get("title"), str):
            raise InputFormatError(source, None, f"{where}.title", "missing or not a string")
        title = article_title(article["title"])
        paragraphs = article.get("paragraphs")
        if not isinstance(paragraphs, list):
            raise InputFormatError(source, None, f"{where}.paragraphs", "missing or not a list")
        for j, paragraph in enumerate(paragraphs):
            pwhere = f"{where}.paragraphs[{j}]"
            context = paragraph.get("context") if isinstance(paragraph, dict) else None
            if not isinstance(context, str) or not context.strip():
                raise InputFormatError(source, None, f"{pwhere}.context", "missing or empty")
            qas = paragraph.get("qas")
            if not isinstance(qas, list):
                raise InputFormatError(source, None, f"{pwhere}.qas", "missing or not a list")
            for k, qa in enumerate(qas):
                qwhere = f"{pwhere}.qas[{k}]"
                if not isinstance(qa, dict):
                    raise InputFormatError(source, None, qwhere, "expected an object")
                qid, question, lang = qa.get("id"), qa.get("question"), qa.get("lang")
                if isinstance(qid, int) and not isinstance(qid, bool):
                    qid = str(qid)
                for name, value in (("id", qid), ("question", question), ("lang", lang)):
                    if not isinstance(value, str) or not value.strip():
                        raise InputFormatError(source, None, f"{qwhere}.{name}", "missing, empty or not a string")
                if lang.strip() not in LANGUAGE_INFO:
                    raise InputFormatError(source, None, f"{qwhere}.lang", f"unknown language code {lang!r}")
                answers = qa.get("answers", [])
                if not isinstance(answers, list) or not all(isinstance(a, dict) and isinstance(a.get("text"), str) for a in answers):
                    raise InputFormatError(source, None, f"{qwhere}.answers", "expected a list of {text, answer_start} objects")
                out.append(GoldParagraph(qid.strip(), lang.strip(), question.strip(), title, _clean_paragraph(context),
                                         tuple(a["text"] for a in answers)))
    return out


def read_gold_paragraph_data(path: str | os.PathLike) -> dict[str, list[GoldParagraph]]:
    """Read ``tydi_xor_gp.zip`` (or the folder it unpacks to) into {"train": [...], "dev": [...]}.

    The members are found by name: exactly one ``*train*.json`` and one ``*dev*.json``
    (``gp_squad_train_data.json``, ``gp_squad_dev_data.json`` in the release).
    """
    path = Path(path)

    def pick(names: Sequence[str], split: str) -> str:
        found = [n for n in names if n.endswith(".json") and split in Path(n).name and not Path(n).name.startswith(".")]
        if len(found) != 1:
            raise InputFormatError(path, None, None, f"expected one '*{split}*.json' member, found {found or 'none'} "
                                   f"among {sorted(names)}")
        return found[0]

    result: dict[str, list[GoldParagraph]] = {}
    if path.is_dir():
        names = [str(p.relative_to(path)) for p in path.rglob("*.json")]
        for split in ("train", "dev"):
            member = pick(names, split)
            with open(path / member, encoding="utf-8-sig") as handle:
                result[split] = parse_gold_paragraphs(_load_json(handle, path / member), str(path / member))
        return result
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputFormatError(path, None, None, "file not found") from None
    except zipfile.BadZipFile:
        raise InputFormatError(path, None, None, "not a zip archive (a truncated download?)") from None
    with archive:
        names = [n for n in archive.namelist() if not n.startswith("__MACOSX/")]
        for split in ("train", "dev"):
            member = pick(names, split)
            with archive.open(member) as raw:
                handle = io.TextIOWrapper(raw, encoding="utf-8-sig")
                result[split] = parse_gold_paragraphs(_load_json(handle, f"{path}!{member}"), f"{path}!{member}")
    return result


def _load_json(handle, source) -> object:
    try:
        return json.load(handle)
    except json.JSONDecodeError as error:
        raise InputFormatError(source, error.lineno, None, f"malformed JSON ({error.msg}, column {error.colno})") from None


def paragraph_id(title: str, text: str) -> str:
    """A stable id for a gold paragraph (not a corpus passage): a digest of its title and text."""
    return "gp-" + hashlib.sha1(f"{title}\n{text}".encode("utf-8")).hexdigest()[:16]


def generator_pairs(paragraphs: Iterable[GoldParagraph], exclude_question_ids: Iterable[str] = ()) -> list[dict]:
    """Generator training pairs: one per question (its first gold paragraph in file order), English gold
    paragraph -> the question in its language. Questions in ``exclude_question_ids`` are left out (dev
    pairs exclude questions that also appear in train, as DSI-QG's data script does)."""
    seen = set(exclude_question_ids)
    pairs = []
    for gp in paragraphs:
        if gp.question_id in seen:
            continue
        seen.add(gp.question_id)
        pairs.append({"passage_id": paragraph_id(gp.title, gp.text), "lang": gp.lang, "question": gp.question,
                      "title": gp.title, "text": gp.text})
    return pairs


def write_jsonl(path: str | os.PathLike, records: Iterable[dict]) -> int:
    n = 0
    with atomic_open(path) as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


# ------------------------------------------------------------------------------------------ matching


def normalise_title(title: str) -> str:
    return " ".join(unicodedata.normalize("NFC", html.unescape(title)).replace("_", " ").split()).casefold()


_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", html.unescape(text)).casefold())


def _grams(tokens: Sequence[str], n: int) -> set[str]:
    return {" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


class Reference(NamedTuple):
    """A paragraph to locate in the corpus: gold paragraph or English positive passage."""

    owner: str  # what the matches are credited to (a question id)
    title: str
    text: str
    answers: tuple[str, ...]  # answer strings a gold passage should contain (yes/no already removed)


@dataclass
class MatchStats:
    references: int = 0
    matched: int = 0  # references with at least one overlapping corpus passage
    with_answer: int = 0  # ... of which some overlapping passage contains an answer
    overlap_only: int = 0  # ... matched, but no overlapping passage holds an answer (all kept)


class CorpusMatcher:
    """Locate reference paragraphs in a passage stream (see the module docstring for the rule).

    An inverted index from word n-grams to references, per normalised title, makes the check for one
    passage a few dictionary lookups; passages whose title has no reference cost one lookup.
    """

    def __init__(self, references: Sequence[Reference], ngram: int = NGRAM):
        self.references = list(references)
        self.ngram = ngram
        self._index: dict[str, dict[str, list[int]]] = {}  # title -> n-gram -> reference indices
        self._short: dict[str, list[tuple[int, str]]] = {}  # title -> (reference, joined words) for short ones
        for r, ref in enumerate(self.references):
            title = normalise_title(ref.title)
            tokens = words(ref.text)
            if not tokens:
                continue
            if len(tokens) < ngram:
                self._short.setdefault(title, []).append((r, " ".join(tokens)))
            else:
                grams = self._index.setdefault(title, {})
                for gram in _grams(tokens, ngram):
                    grams.setdefault(gram, []).append(r)
        self._hits: list[list[tuple[str, bool]]] = [[] for _ in self.references]
        self._last_title: tuple[str, str] = ("\0", "")

    def observe(self, passage: Passage) -> bool:
        """Record ``passage`` against every reference it overlaps; return whether it overlaps any."""
        if passage.title != self._last_title[0]:  # the corpus lists an article's passages together
            self._last_title = (passage.title, normalise_title(passage.title))
        title = self._last_title[1]
        grams, short = self._index.get(title), self._short.get(title)
        if grams is None and short is None:
            return False
        tokens = words(passage.text)
        found: set[int] = set()
        if grams:
            for gram in _grams(tokens, self.ngram):
                found.update(grams.get(gram, ()))
        if short:
            joined = f" {' '.join(tokens)} "
            found.update(r for r, text in short if f" {text} " in joined)
        for r in found:
            ref = self.references[r]
            self._hits[r].append((passage.id, any(a in passage.text for a in ref.answers)))
        return bool(found)

    def gold_passages(self) -> dict[str, list[str]]:
        """Owner -> gold passage ids (in corpus order, no repeats)."""
        gold: dict[str, list[str]] = {}
        for ref, hits in zip(self.references, self._hits):
            if hits:
                with_answer = [pid for pid, has in hits if has]
                ids = gold.setdefault(ref.owner, [])
                ids.extend(pid for pid in (with_answer or [pid for pid, _ in hits]) if pid not in ids)
        return gold

    def stats(self, indices: Iterable[int] | None = None) -> MatchStats:
        """How the references (all, or those at ``indices``) were matched."""
        stats = MatchStats()
        for r in range(len(self.references)) if indices is None else indices:
            stats.references += 1
            hits = self._hits[r]
            if hits:
                stats.matched += 1
                if any(has for _, has in hits):
                    stats.with_answer += 1
                else:
                    stats.overlap_only += 1
        return stats


# ------------------------------------------------------------------------------------------ English (NQ)


class EnglishQuery(NamedTuple):
    id: str
    question: str
    answers: tuple[str, ...]
    positives: tuple[tuple[str, str], ...]  # (title, text) of the positive passages in the source dump


class NoPositivesError(ValueError):
    """The English training file has questions but no positive passages."""


def _open_text(path: Path):
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")


def read_nq_qa_csv(path: str | os.PathLike) -> list[tuple[str, tuple[str, ...]]]:
    """Read DPR's ``nq-{train,dev}.qa.csv``: no header, ``question<TAB>answers`` a line, the answers a
    Python list literal (``['Wilhelm Conrad Röntgen']``; DPR itself ``eval``s it: here
    ``ast.literal_eval``, which runs no code)."""
    rows = []
    with _open_text(Path(path)) as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if "\t" not in line:
                raise InputFormatError(path, number, None, "expected 'question<TAB>[answers]'")
            question, answers_literal = line.rsplit("\t", 1)
            try:
                answers = ast.literal_eval(answers_literal)
            except (ValueError, SyntaxError):
                raise InputFormatError(path, number, "answers", f"not a list literal: {answers_literal[:60]!r}") from None
            if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
                raise InputFormatError(path, number, "answers", "expected a list of strings")
            if not question.strip():
                raise InputFormatError(path, number, "question", "empty")
            rows.append((question.strip(), tuple(answers)))
    return rows


def iter_tevatron_nq(path: str | os.PathLike) -> Iterator[EnglishQuery]:
    """Stream Tevatron/wikipedia-nq training JSONL (optionally .gz); negatives are ignored."""
    seen: set[str] = set()
    with _open_text(Path(path)) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputFormatError(path, number, None, f"malformed JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise InputFormatError(path, number, None, "expected a JSON object")
            qid, query = record.get("query_id"), record.get("query")
            if isinstance(qid, int) and not isinstance(qid, bool):
                qid = str(qid)
            for name, value in (("query_id", qid), ("query", query)):
                if not isinstance(value, str) or not value.strip():
                    raise InputFormatError(path, number, name, "missing, empty or not a string")
            if qid in seen:
                raise InputFormatError(path, number, "query_id", f"duplicate id {qid!r}")
            seen.add(qid)
            answers = record.get("answers", [])
            if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
                raise InputFormatError(path, number, "answers", "expected a list of strings")
            positives = record.get("positive_passages")
            if not isinstance(positives, list):
                raise InputFormatError(path, number, "positive_passages", "missing or not a list")
            pairs = []
            for k, p in enumerate(positives):
                if not isinstance(p, dict) or not isinstance(p.get("text"), str):
                    raise InputFormatError(path, number, f"positive_passages[{k}].text", "missing or not a string")
                pairs.append((str(p.get("title") or ""), p["text"]))
            yield EnglishQuery(qid, query.strip(), tuple(answers), tuple(pairs))


def read_english_training(path: str | os.PathLike) -> list[EnglishQuery]:
    """The zero-shot regime's English training queries with their positive passages' text.

    Accepts Tevatron/wikipedia-nq JSONL; DPR's ``nq-train.qa.csv`` is recognised and refused with
    :class:`NoPositivesError` (it has no positive passages).
    """
    path = Path(path)
    with _open_text(path) as handle:
        first = next((line for line in handle if line.strip()), "")
    if first.lstrip().startswith("{"):
        return list(tqdm(iter_tevatron_nq(path), desc="NQ training queries", unit="q", mininterval=10))
    rows = read_nq_qa_csv(path)
    raise NoPositivesError(
        f"{path} is DPR's question/answer list ({len(rows)} questions, format 'question<TAB>[answers]') and has "
        "no positive passages, which the zero-shot retriever needs. Give data.xor_tydi.files.nq_train a "
        "Tevatron/wikipedia-nq training file instead (JSONL, optionally .gz, one "
        '{"query_id", "query", "answers", "positive_passages": [{"docid", "title", "text"}]} a line; e.g. '
        "nq-train.jsonl.gz of the Hugging Face dataset Tevatron/wikipedia-nq, or DPR's "
        "biencoder-nq-train.json converted with Tevatron's convert_hn_format.py). Its positives are located "
        "in the XOR-TyDi corpus by title and text overlap.")


# ------------------------------------------------------------------------------------------ sub-corpus


def sample_distractors(n_candidates: int, n: int | None, seed: int) -> np.ndarray | None:
    """Sorted positions (among the non-gold passages) of the distractors to keep; None keeps all."""
    if n is None:
        return None
    if n < 0:
        raise ValueError(f"subcorpus.distractors must be >= 0 or null, got {n}")
    if n > n_candidates:
        raise ValueError(f"subcorpus.distractors = {n}, but the corpus has only {n_candidates} non-gold passages")
    chosen = np.random.default_rng(seed).choice(n_candidates, size=n, replace=False)
    return np.sort(chosen)


def subcorpus_passages(corpus: Iterable[Passage], gold: set[str], distractors: np.ndarray | None) -> Iterator[Passage]:
    """Gold passages and the chosen distractors (positions among non-gold passages), in corpus order."""
    k, position = 0, 0
    for passage in corpus:
        if passage.id in gold:
            yield passage
            continue
        if distractors is None:
            yield passage
        elif k < len(distractors) and distractors[k] == position:
            yield passage
            k += 1
        position += 1


# ------------------------------------------------------------------------------------------ the step


def _bar(passages: Iterable[Passage], desc: str) -> Iterable[Passage]:
    return tqdm(passages, desc=desc, unit=" passages", unit_scale=True, mininterval=30)


def _qrels(gold: Mapping[str, Sequence[str]], question_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    return {qid: {pid: 1 for pid in gold[qid]} for qid in question_ids if gold.get(qid)}


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
