"""Build the embedded benchmark: corpus, questions in seven languages, qrels and generator pairs.

The build is a pure function of the installed babel (CLDR) and pycountry data, the templates in this
package and the seed: the same inputs give byte-identical files.
"""

from __future__ import annotations

import bisect
import json
import logging
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import babel
import pycountry

from xqg.embedded_benchmark.facts import TerritoryFacts, known_names, load_territory_facts
from xqg.embedded_benchmark.passages import PassageDraft, distractor_pool, territory_passages
from xqg.embedded_benchmark.questions import (
    ENGLISH_TEMPLATES,
    QUESTION_TEMPLATES,
    QUESTION_TYPES,
    answer_for,
    render_question,
    template_slots,
)
from xqg.files import atomic_open
from xqg.formats import Passage, Question, write_passages, write_qrels, write_questions
from xqg.languages import LANGUAGES

__all__ = [
    "BenchmarkFiles",
    "BenchmarkQuestion",
    "EmbeddedBenchmark",
    "build_embedded_benchmark",
    "generate_embedded_benchmark",
    "answer_passages",
]

log = logging.getLogger(__name__)

DEFAULT_DEV_PER_LANGUAGE = 120
DEFAULT_TRAIN_PER_LANGUAGE = 450
DEFAULT_DISTRACTORS = 800
DEFAULT_MAX_ANSWER_PASSAGES = 6

# The passage of a territory that states each question type's answer: the generator's input.
SOURCE_PASSAGE_KIND = {
    "currency": "profile",
    "official_name": "profile",
    "alpha_3": "profile",
    "time_zone_city": "time",
    "main_language": "languages",
}

# An answer must survive XOR-TyDi's tokenise-then-join-with-spaces unchanged: words joined by single spaces or
# hyphens (nltk.word_tokenize keeps "Port-au-Prince" whole; it splits off apostrophes and most full stops).
_PLAIN_ANSWER = re.compile(r"\w+(?:[ -]\w+)*")


@dataclass(frozen=True)
class BenchmarkFiles:
    corpus: Path
    train_questions: Path
    dev_questions: Path
    train_qrels: Path
    dev_qrels: Path
    train_generator_pairs: Path
    dev_generator_pairs: Path
    english_train: Path
    readme: Path


@dataclass(frozen=True)
class BenchmarkQuestion:
    question: Question
    territory: str  # alpha-2 code
    question_type: str
    source_passage: str  # id of the territory's passage that states the answer
    gold_passages: tuple[str, ...]  # every passage that states the answer


@dataclass(frozen=True)
class EmbeddedBenchmark:
    passages: tuple[Passage, ...]
    passage_kinds: dict[str, str]  # passage id -> profile | languages | time | names | currency | language | zones
    train: tuple[BenchmarkQuestion, ...]
    dev: tuple[BenchmarkQuestion, ...]
    english_train: tuple[BenchmarkQuestion, ...]
    dev_territories: frozenset[str]
    train_territories: frozenset[str]
    dropped_answers: dict[str, int]  # reason -> number of (territory, type) candidates dropped


def _contains_word(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


class _AnswerIndex:
    """Finds the passages that state an answer, over the corpus joined into one string."""

    def __init__(self, texts: Sequence[str]):
        self.texts = texts
        self.joined = "\n".join(texts)
        self.starts = []
        offset = 0
        for text in texts:
            self.starts.append(offset)
            offset += len(text) + 1

    def passages_with_substring(self, answer: str) -> list[int]:
        hits = set()
        position = self.joined.find(answer)
        while position != -1:
            hits.add(bisect.bisect_right(self.starts, position) - 1)
            position = self.joined.find(answer, position + 1)
        return sorted(hits)


def answer_passages(answer: str, texts: Sequence[str], longer_names: Iterable[str]) -> tuple[list[int], str | None]:
    """Indices of the passages that state ``answer``, or a reason to reject the answer.

    XOR-TyDi's metric counts a hit wherever the answer is a raw substring of the retrieved text, so every
    passage containing the string must be a passage that states the answer. Rejected: an occurrence inside a
    longer word ("Euro" in "European"), or a passage where the answer occurs only inside a longer name
    ("Finnish" in "Finnish Markka").
    """
    index = _AnswerIndex(texts)
    return _stating_passages(answer, index, list(longer_names))


def _stating_passages(answer: str, index: _AnswerIndex, longer_names: list[str]) -> tuple[list[int], str | None]:
    stating = []
    for i in index.passages_with_substring(answer):
        text = index.texts[i]
        if text.count(answer) != len(re.findall(rf"(?<!\w){re.escape(answer)}(?!\w)", text)):
            return [], "inside a longer word"
        masked = text
        for name in longer_names:
            masked = masked.replace(name, "\0")
        if answer not in masked:
            return [], "only inside a longer name"
        stating.append(i)
    return stating, None


def _longer_names(answer: str, names: frozenset[str]) -> list[str]:
    longer = [n for n in names if n != answer and answer in n and _contains_word(n, answer)]
    return sorted(longer, key=lambda n: (-len(n), n))  # longest first, so masking removes whole names


@dataclass(frozen=True)
class _Candidate:
    territory: TerritoryFacts
    question_type: str
    answer: str
    source_passage: str
    gold_passages: tuple[str, ...]


def _build_corpus(
    territories: Sequence[TerritoryFacts], distractors: int, rng: random.Random
) -> tuple[list[PassageDraft], list[str]]:
    drafts: list[PassageDraft] = []
    by_area: dict[str | None, list[TerritoryFacts]] = defaultdict(list)
    for t in territories:
        by_area[t.area].append(t)
    for t in territories:
        peers = [p for p in by_area[t.area] if p.code != t.code] if t.area else []
        drafts.extend(territory_passages(t, peers, rng))
    pool = distractor_pool(territories)
    if distractors > len(pool):
        raise ValueError(f"distractors={distractors} but only {len(pool)} distractor passages can be written")
    drafts.extend(rng.sample(pool, distractors))
    rng.shuffle(drafts)  # ids must not reveal which passages belong together
    ids = [f"emb-{i:06d}" for i in range(len(drafts))]
    return drafts, ids


def _candidates(
    territories: Sequence[TerritoryFacts], drafts: Sequence[PassageDraft], ids: Sequence[str], max_answer_passages: int
) -> tuple[list[_Candidate], Counter]:
    index = _AnswerIndex([d.text for d in drafts])
    source = {(d.territory, d.kind): pid for d, pid in zip(drafts, ids) if d.territory}
    names = known_names()
    territory_names = {t.name for t in territories}
    dropped: Counter = Counter()
    candidates = []
    for t in territories:
        for question_type in QUESTION_TYPES:
            answer = answer_for(question_type, t)
            if answer is None:
                continue
            if not _PLAIN_ANSWER.fullmatch(answer):
                dropped["not plain words"] += 1
                continue
            if answer in territory_names:
                dropped["is a territory name"] += 1
                continue
            stating, reason = _stating_passages(answer, index, _longer_names(answer, names))
            if reason:
                dropped[reason] += 1
                continue
            if len(stating) > max_answer_passages:
                dropped[f"in more than {max_answer_passages} passages"] += 1
                continue
            source_id = source[(t.code, SOURCE_PASSAGE_KIND[question_type])]
            gold = tuple(ids[i] for i in stating)
            if source_id not in gold:  # a template that fails to state its fact: a bug, not a data property
                raise AssertionError(f"{t.code} {question_type}: answer {answer!r} missing from its own passage {source_id}")
            candidates.append(_Candidate(t, question_type, answer, source_id, gold))
    return candidates, dropped


def _split_territories(candidates: Sequence[_Candidate], dev_share: float, rng: random.Random) -> tuple[set[str], set[str]]:
    codes = sorted({c.territory.code for c in candidates})
    rng.shuffle(codes)
    n_dev = max(1, round(len(codes) * dev_share))
    return set(codes[:n_dev]), set(codes[n_dev:])


def _questions_for(
    lang: str | None, split: str, pool: Sequence[_Candidate], count: int | None, rng: random.Random
) -> list[BenchmarkQuestion]:
    chosen = list(pool) if count is None else rng.sample(list(pool), count)
    questions = []
    for c in chosen:
        if lang is None:
            template = rng.choice(ENGLISH_TEMPLATES[c.question_type])
            text = render_question(template, {"name": c.territory.name})
            qid = f"emb-en-{c.territory.code}-{c.question_type}"
            record = Question(qid, text, (c.answer,), "en", split)
        else:
            template = rng.choice(QUESTION_TEMPLATES[lang][c.question_type][split])
            text = render_question(template, template_slots(lang, c.territory.names[lang]))
            qid = f"emb-{split}-{lang}-{c.territory.code}-{c.question_type}"
            record = Question(qid, text, (c.answer,), lang, split)
        questions.append(BenchmarkQuestion(record, c.territory.code, c.question_type, c.source_passage, c.gold_passages))
    return sorted(questions, key=lambda q: q.question.id)


def generate_embedded_benchmark(
    *,
    seed: int = 13,
    dev_per_language: int = DEFAULT_DEV_PER_LANGUAGE,
    train_per_language: int = DEFAULT_TRAIN_PER_LANGUAGE,
    distractors: int = DEFAULT_DISTRACTORS,
    max_answer_passages: int = DEFAULT_MAX_ANSWER_PASSAGES,
    territories: int | None = None,
) -> EmbeddedBenchmark:
    """The benchmark in memory (see :func:`build_embedded_benchmark` for the knobs)."""
    if dev_per_language < 1 or train_per_language < 1:
        raise ValueError(f"dev_per_language and train_per_language must be >= 1, got {dev_per_language}, {train_per_language}")
    if distractors < 0 or max_answer_passages < 1:
        raise ValueError(f"need distractors >= 0 and max_answer_passages >= 1, got {distractors}, {max_answer_passages}")
    rng = random.Random(seed)
    facts = load_territory_facts()
    if territories is not None:
        # A subset for quick runs (tests, CI); its own RNG keeps the full build's stream unchanged.
        if not 2 <= territories <= len(facts):
            raise ValueError(f"territories must lie in 2..{len(facts)}, got {territories}")
        facts = tuple(sorted(random.Random(f"{seed}-territories").sample(facts, territories), key=lambda t: t.code))
    territories = facts
    drafts, ids = _build_corpus(territories, distractors, rng)
    candidates, dropped = _candidates(territories, drafts, ids, max_answer_passages)
    dev_codes, train_codes = _split_territories(candidates, dev_per_language / (dev_per_language + train_per_language), rng)
    dev_pool = [c for c in candidates if c.territory.code in dev_codes]
    train_pool = [c for c in candidates if c.territory.code in train_codes]
    for split, pool, count in (("dev", dev_pool, dev_per_language), ("train", train_pool, train_per_language)):
        if count > len(pool):
            raise ValueError(
                f"{split}_per_language={count} but the {split} territories yield only {len(pool)} answerable "
                f"(territory, question type) pairs; ask for fewer or raise max_answer_passages"
            )
    dev = [q for lang in LANGUAGES for q in _questions_for(lang, "dev", dev_pool, dev_per_language, rng)]
    train = [q for lang in LANGUAGES for q in _questions_for(lang, "train", train_pool, train_per_language, rng)]
    english = _questions_for(None, "train", train_pool, None, rng)
    passages = tuple(Passage(pid, d.title, d.text) for pid, d in zip(ids, drafts))
    return EmbeddedBenchmark(
        passages=passages,
        passage_kinds={pid: d.kind for pid, d in zip(ids, drafts)},
        train=tuple(train),
        dev=tuple(dev),
        english_train=tuple(english),
        dev_territories=frozenset(dev_codes),
        train_territories=frozenset(train_codes),
        dropped_answers=dict(sorted(dropped.items())),
    )


def _write_jsonl(path: Path, records: Iterable[dict]) -> None:
    with atomic_open(path) as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _readme(benchmark: EmbeddedBenchmark, knobs: dict[str, int]) -> str:
    from xqg.embedded_benchmark import __doc__ as package_doc

    kinds = Counter(benchmark.passage_kinds.values())
    lines = [
        "# Embedded XOR-TyDi-shaped benchmark",
        "",
        f"Built by `xqg.embedded_benchmark.build_embedded_benchmark` with {', '.join(f'{k}={v}' for k, v in knobs.items())}",
        f"from babel {babel.__version__} (CLDR data, Unicode licence) and pycountry {pycountry.__version__} (ISO 3166, LGPL-2.1).",
        "",
        "## Counts",
        "",
        f"Passages: {len(benchmark.passages)} ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}).",
        f"Territories: {len(benchmark.train_territories)} train, {len(benchmark.dev_territories)} dev (disjoint).",
        f"English training questions (train territories only): {len(benchmark.english_train)}.",
        "",
        "| lang | train | dev |",
        "| --- | --- | --- |",
    ]
    train_counts = Counter(q.question.lang for q in benchmark.train)
    dev_counts = Counter(q.question.lang for q in benchmark.dev)
    lines += [f"| {lang} | {train_counts[lang]} | {dev_counts[lang]} |" for lang in LANGUAGES]
    type_counts = Counter(q.question_type for q in benchmark.train + benchmark.dev)
    lines += ["", "Questions by type: " + ", ".join(f"{t} {type_counts[t]}" for t in QUESTION_TYPES) + "."]
    lines += ["Candidate answers dropped: " + (", ".join(f"{r}: {n}" for r, n in benchmark.dropped_answers.items()) or "none") + "."]
    lines += ["", "## About this benchmark", "", (package_doc or "").strip(), ""]
    return "\n".join(lines)


def build_embedded_benchmark(
    out_dir: Path,
    *,
    seed: int = 13,
    dev_per_language: int = DEFAULT_DEV_PER_LANGUAGE,
    train_per_language: int = DEFAULT_TRAIN_PER_LANGUAGE,
    distractors: int = DEFAULT_DISTRACTORS,
    max_answer_passages: int = DEFAULT_MAX_ANSWER_PASSAGES,
    territories: int | None = None,
) -> BenchmarkFiles:
    """Write the embedded benchmark into ``out_dir`` in XOR-TyDi's file formats.

    ``dev_per_language`` / ``train_per_language``: questions per language and split; the territories are
    split between dev and train in the same ratio, so no territory is asked about in both. ``distractors``:
    currency, language and time-zone passages added to the three passages of each territory.
    ``max_answer_passages``: a question whose answer is stated by more passages than this is dropped.
    ``territories``: build from a seeded subset of that many territories (quick runs); None = all 249.
    """
    out_dir = Path(out_dir)
    knobs = dict(seed=seed, dev_per_language=dev_per_language, train_per_language=train_per_language,
                 distractors=distractors, max_answer_passages=max_answer_passages, territories=territories)
    benchmark = generate_embedded_benchmark(**knobs)
    files = BenchmarkFiles(
        corpus=out_dir / "corpus.tsv",
        train_questions=out_dir / "xor_train_retrieve_eng_span.jsonl",
        dev_questions=out_dir / "xor_dev_retrieve_eng_span.jsonl",
        train_qrels=out_dir / "qrels.train.tsv",
        dev_qrels=out_dir / "qrels.dev.tsv",
        train_generator_pairs=out_dir / "generator_pairs.train.jsonl",
        dev_generator_pairs=out_dir / "generator_pairs.dev.jsonl",
        english_train=out_dir / "english_train.jsonl",
        readme=out_dir / "README.md",
    )
    write_passages(files.corpus, benchmark.passages)
    for questions, question_file, qrels_file, pairs_file in (
        (benchmark.train, files.train_questions, files.train_qrels, files.train_generator_pairs),
        (benchmark.dev, files.dev_questions, files.dev_qrels, files.dev_generator_pairs),
    ):
        write_questions(question_file, (q.question for q in questions))
        write_qrels(qrels_file, {q.question.id: {pid: 1 for pid in q.gold_passages} for q in questions})
        _write_jsonl(pairs_file, ({"passage_id": q.source_passage, "lang": q.question.lang, "question": q.question.text} for q in questions))
    _write_jsonl(files.english_train, (
        {"id": q.question.id, "question": q.question.text, "answers": list(q.question.answers),
         "positive_passage_ids": list(q.gold_passages)}
        for q in benchmark.english_train
    ))
    with atomic_open(files.readme) as handle:
        handle.write(_readme(benchmark, knobs))
    log.info("embedded benchmark: %d passages, %d train and %d dev questions in %s",
             len(benchmark.passages), len(benchmark.train), len(benchmark.dev), out_dir)
    return files
