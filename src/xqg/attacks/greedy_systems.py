"""Greedy black-box attack of every main system of one encoder (backbone x regime) in one language.

Each system is attacked on its own: :func:`xqg.attacks.greedy_search.greedy_search` edits the question
word by word (typo and homoglyph unit edits, which keep the word count) and may only ask the system for
the score of candidate texts. The query sets it writes are evaluated on every system of the encoder:
on the attacked system itself that is the adaptive attack, on the others a transfer.

The score (the objective the attack lowers) is the **gold margin**: the query's inner product with its
best gold passage (qrels, relevance > 0) minus that with the ``objective_rank``-th best non-gold
passage (:func:`xqg.attacks.greedy_search.gold_margin`). It is positive exactly while a gold passage is
in the system's top ``objective_rank``, so ``objective_rank`` is set to about the passages that R@kt's
token budget reads (1 for the embedded default's 50 tokens, ~20 for XOR-TyDi's 2,000). Reciprocal rank
would say the same at the boundary but is flat elsewhere (1 while the gold leads by any distance, and
nearly 0 once it is deep): greedy's leave-one-out ranking and its choice among candidates then see
ties, where the margin still tells which word matters and which edit hurts most.
Query vectors are rounded to float16 before scoring, as search reads them from the stored vector files,
so the margin is computed from the search's own scores.

Scored passages: ``pool_depth: null`` scores every passage of the system's index (exact; the embedded
default's ~1,100 passages). At 18M passages that is a full search per candidate, so ``pool_depth: N``
re-ranks a fixed pool instead: the gold passages plus the system's top N for the clean query (found
once, with the search settings of the search rule). A passage outside the pool that an edit lifts is not
seen, so the pool margin is never below the exact one: the pool attack is, if anything, weaker.

Fairness between systems: every system gets the same edit budget, the same candidates per unit and the
same allowance of score queries per question (``query_budget``, on top of the 1 + words leave-one-out
queries that every system spends alike), and the edits offered depend only on the state of the query
(:func:`xqg.attacks.greedy_search.unit_editor`). A text's vector is computed once and reused for every
system (an implementation shortcut; each system is still charged its queries).
"""

from __future__ import annotations

import os
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from tqdm import tqdm

from xqg.attacks.greedy_search import gold_margin, greedy_search, unit_editor
from xqg.attacks.base import derive_rng
from xqg.attacks.query_set_attack import AttackedQuery, chrf, write_attacked_queries
from xqg.evaluation import span_answers
from xqg.files import atomic_path
from xqg.formats import Qrels, Question
from xqg.query_sets import QuerySet

ATTACK = "greedy"
EXACT_LIMIT = 2_000_000  # passages: beyond this, scoring every passage per candidate is refused
Encode = Callable[[list[str]], np.ndarray]  # texts -> query vectors (len(texts), dim)


@dataclass(frozen=True)
class GreedySettings:
    edits: tuple[str, ...] = ("typo", "homoglyph")
    candidates_per_unit: int = 3  # per edit family
    query_budget: int = 24  # score queries per question after the leave-one-out ranking
    objective_rank: int = 1
    pool_depth: int | None = None  # None: score every passage of the index
    max_questions: int | None = None  # per language; None: every eligible dev question
    stop_at_success: bool = False  # stop once the gold leaves the top objective_rank
    seed: int = 0

    @classmethod
    def from_config(cls, config: Mapping) -> GreedySettings:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(config) - known)
        if unknown:
            raise ValueError(f"attacks.adversarial.greedy: unknown key(s) {unknown}; expected some of {sorted(known)}")
        values = dict(config)
        if "edits" in values:
            values["edits"] = tuple(values["edits"])
        return cls(**values)


@dataclass(frozen=True)
class Target:
    """What one question is scored against in one system."""

    passages: np.ndarray  # float32 (n, dim): the whole index, or the question's re-ranking pool
    gold: np.ndarray  # bool (n,)


class CachedEncoder:
    """Query vectors with the retriever's encoder (model loaded once per process by xqg.encoding),
    rounded to float16 as stored for search; each distinct text is encoded once until :meth:`clear`."""

    def __init__(self, spec, **options):
        self.spec, self.options = spec, {**options, "progress": False}  # the fields of xqg.encoding.EncodingOptions
        self.cache: dict[str, np.ndarray] = {}
        self.encoded = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        from xqg.encoding import encode_texts

        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            vectors = encode_texts(missing, self.spec, kind="query", **self.options)
            self.cache.update(zip(missing, vectors.astype(np.float16).astype(np.float32)))
            self.encoded += len(missing)
        return np.stack([self.cache[t] for t in texts])

    def clear(self) -> None:
        self.cache.clear()


def gold_ids(qrels: Qrels, qid: str) -> set[str]:
    return {pid for pid, relevance in qrels.get(qid, {}).items() if relevance > 0}


def select_questions(questions: Sequence[Question], qrels: Qrels, max_questions: int | None, seed: int) -> list[Question]:
    """The questions to attack: those R@kt scores (a span answer) that have a gold passage; at most
    ``max_questions`` of them, a seeded sample kept in file order. The same for every system, so that
    adaptive and transfer results pair query by query."""
    eligible = [q for q in questions if span_answers(q.answers) and gold_ids(qrels, q.id)]
    if max_questions is None or len(eligible) <= max_questions:
        return eligible
    lang = questions[0].lang
    chosen = set(random.Random(f"{seed}:{ATTACK}:{lang}").sample(range(len(eligible)), max_questions))
    return [q for i, q in enumerate(eligible) if i in chosen]


def _missing_gold(question: Question, gold: set[str], found: Iterable[str], system: str) -> ValueError:
    missing = sorted(gold - set(found))
    return ValueError(f"system {system}: gold passage(s) {missing[:3]} of question {question.id} are not in its index "
                      "(qrels and corpus disagree)")


def exact_targets(shards: Iterable[tuple[Sequence[str], np.ndarray]], questions: Sequence[Question], qrels: Qrels,
                  system: str) -> list[Target]:
    """Every passage of the index, with each question's gold mask."""
    ids, vectors = [], []
    for shard_ids, shard_vectors in shards:
        ids += list(shard_ids)
        vectors.append(np.asarray(shard_vectors, dtype=np.float32))
    if len(ids) > EXACT_LIMIT:
        raise ValueError(f"system {system}: {len(ids):,} passages are too many to score exactly for every candidate; "
                         "set attacks.adversarial.greedy.pool_depth (a re-ranking pool)")
    passages = np.concatenate(vectors)
    position = {pid: i for i, pid in enumerate(ids)}
    targets = []
    for question in questions:
        gold = gold_ids(qrels, question.id)
        if not gold <= position.keys():
            raise _missing_gold(question, gold, position, system)
        mask = np.zeros(len(ids), dtype=bool)
        mask[[position[pid] for pid in gold]] = True
        targets.append(Target(passages, mask))
    return targets


def pool_targets(shards: Iterable[tuple[Sequence[str], np.ndarray]], questions: Sequence[Question], qrels: Qrels,
                 clean_vectors: np.ndarray, depth: int, search_settings: Mapping, system: str) -> list[Target]:
    """Each question's gold passages plus the system's top ``depth`` for its clean query, searched shard
    by shard with the search rule's settings (one shard in memory at a time)."""
    from xqg.search import SearchConfig, build_index

    config = replace(SearchConfig(**search_settings), depth=depth)
    wanted = [gold_ids(qrels, q.id) for q in questions]
    all_gold = set().union(*wanted)
    queries = np.ascontiguousarray(clean_vectors, dtype=np.float32)
    top_scores = np.full((len(questions), 0), -np.inf, dtype=np.float32)
    top_ids = np.empty((len(questions), 0), dtype=object)
    top_vectors = np.empty((len(questions), 0, queries.shape[1]), dtype=np.float32)
    gold_vectors: dict[str, np.ndarray] = {}
    for shard_ids, shard_vectors in shards:
        shard_ids = list(shard_ids)
        for row, pid in enumerate(shard_ids):
            if pid in all_gold:
                gold_vectors[pid] = np.asarray(shard_vectors[row], dtype=np.float32)
        scores, positions = build_index(shard_vectors, config).search(queries, min(depth, len(shard_ids)))
        positions = np.clip(positions, 0, None)  # faiss pads with -1 only when a shard is shorter than depth
        merged_scores = np.concatenate([top_scores, scores], axis=1)
        merged_ids = np.concatenate([top_ids, np.asarray(shard_ids, dtype=object)[positions]], axis=1)
        merged_vectors = np.concatenate([top_vectors, np.asarray(shard_vectors[positions.ravel()], dtype=np.float32)
                                         .reshape(*positions.shape, -1)], axis=1)
        order = np.argsort(-merged_scores, axis=1, kind="stable")[:, :depth]
        top_scores = np.take_along_axis(merged_scores, order, axis=1)
        top_ids = np.take_along_axis(merged_ids, order, axis=1)
        top_vectors = np.take_along_axis(merged_vectors, order[:, :, None], axis=1)
    targets = []
    for i, (question, gold) in enumerate(zip(questions, wanted)):
        if not gold <= gold_vectors.keys():
            raise _missing_gold(question, gold, gold_vectors, system)
        keep = [j for j, pid in enumerate(top_ids[i]) if pid not in gold]
        passages = np.concatenate([np.stack([gold_vectors[pid] for pid in sorted(gold)]), top_vectors[i, keep]])
        targets.append(Target(passages, np.arange(len(passages)) < len(gold)))
    return targets


def attack_systems(questions: Sequence[Question], targets: Mapping[str, Sequence[Target]], encode: Encode,
                   settings: GreedySettings, budgets: Sequence[int], *, progress: bool = True,
                   after_question: Callable[[], None] | None = None) -> tuple[dict[tuple[str, int], list[AttackedQuery]], pd.DataFrame]:
    """Attack every question against every system (``targets``: system -> one Target per question).

    One greedy search per question and system at the largest budget serves every budget (see
    :class:`xqg.attacks.greedy_search.GreedyTrace`). Returns the records by (system, budget) and one row
    per (system, budget, question) with the clean and attacked margins and the score queries spent."""
    editor = unit_editor(settings.edits, settings.candidates_per_unit, settings.seed)
    threshold = 0.0 if settings.stop_at_success else None
    largest = max(budgets)
    records: dict[tuple[str, int], list[AttackedQuery]] = defaultdict(list)
    rows = []
    for i, question in enumerate(tqdm(questions, desc=f"greedy attack ({question_lang(questions)})", unit="q",
                                      disable=not progress)):
        for system, system_targets in targets.items():
            target = system_targets[i]

            def score(texts: list[str], target: Target = target) -> np.ndarray:
                return gold_margin(encode(texts), target.passages, target.gold, settings.objective_rank)

            rng = derive_rng(settings.seed, ATTACK, largest, question.id, 0)  # unused by unit_editor's edits
            trace = greedy_search(question.text, question.lang, largest, score, editor, rng,
                                  threshold=threshold, max_queries=settings.query_budget)
            for budget in budgets:
                result, margin, spent = trace.at_budget(budget)
                records[(system, budget)].append(AttackedQuery(
                    question.id, question.lang, 0, question.text, result.text, result.changed, result.units_changed,
                    chrf(result.text, question.text), result.edits, QuerySet(ATTACK, budget, source=system).label, budget))
                rows.append({"system": system, "budget": budget, "qid": question.id, "changed": result.changed,
                             "units_changed": result.units_changed, "clean_margin": trace.clean_score,
                             "margin": margin, "queries": spent})
        if after_question is not None:
            after_question()
    return dict(records), pd.DataFrame(rows)


def question_lang(questions: Sequence[Question]) -> str:
    return ",".join(sorted({q.lang for q in questions})) or "no questions"


def summarise(per_question: pd.DataFrame, records: Mapping[tuple[str, int], list[AttackedQuery]]) -> pd.DataFrame:
    """Per system and budget: questions attacked, share changed, mean units changed and chrF (changed
    ones), score queries spent (mean, max), mean clean and attacked margin, the share of questions with
    the gold in the top ``objective_rank`` before and after, and the share of those it pushed out."""
    out = []
    for (system, budget), rows in per_question.groupby(["system", "budget"], sort=True):
        changed = [r for r in records[(system, budget)] if r.changed]
        clean_top, attacked_top = rows["clean_margin"] > 0, rows["margin"] > 0
        out.append({
            "attack": QuerySet(ATTACK, budget, source=system).label, "system": system, "budget": budget, "questions": len(rows),
            "changed_rate": rows["changed"].mean(), "mean_units_changed": np.mean([r.units_changed for r in changed]) if changed else 0.0,
            "mean_chrf": np.mean([r.chrf for r in changed]) if changed else np.nan,
            "mean_queries": rows["queries"].mean(), "max_queries": int(rows["queries"].max()),
            "clean_margin": rows["clean_margin"].mean(), "attacked_margin": rows["margin"].mean(),
            "clean_gold_in_top": clean_top.mean(), "attacked_gold_in_top": attacked_top.mean(),
            "pushed_out": (clean_top & ~attacked_top).sum() / clean_top.sum() if clean_top.any() else np.nan,
        })
    return pd.DataFrame(out)


def run_greedy_attack(*, questions: Sequence[Question], qrels: Qrels, systems: Mapping[str, Sequence[str | os.PathLike]],
                      encode: Encode, settings: GreedySettings, budgets: Sequence[int], search_settings: Mapping,
                      outputs: Mapping[str, str | os.PathLike], summary_path: str | os.PathLike,
                      context: Mapping[str, str], log=None, progress: bool = True) -> pd.DataFrame:
    """The workflow's job: attack ``systems`` (name -> passage-vector shard files) for one language and
    write one JSONL query set per system and budget (``outputs`` keyed ``greedy@SYSTEM~BUDGET``) and the
    summary CSV. ``encode`` is clear()-ed after each question when it has that method (bounded memory)."""
    from xqg.vectors import read_vectors

    chosen = select_questions(questions, qrels, settings.max_questions, settings.seed)
    if not chosen:
        raise ValueError(f"no question of {question_lang(questions)} has a span answer and a gold passage to attack")
    if log:
        log.info("attacking %d of %d questions against %d system(s): %s", len(chosen), len(questions), len(systems),
                 ", ".join(systems))
    targets = {}
    for system, shard_paths in systems.items():
        shards = (read_vectors(path) for path in shard_paths)
        if settings.pool_depth is None:
            targets[system] = exact_targets(shards, chosen, qrels, system)
        else:
            clean = encode([q.text for q in chosen])
            targets[system] = pool_targets(shards, chosen, qrels, clean, settings.pool_depth, search_settings, system)
    records, per_question = attack_systems(chosen, targets, encode, settings, budgets, progress=progress,
                                           after_question=getattr(encode, "clear", None))
    for (system, budget), attacked in records.items():
        write_attacked_queries(outputs[QuerySet(ATTACK, budget, source=system).name], attacked)
    summary = summarise(per_question, records)
    for position, (column, value) in enumerate(context.items()):
        summary.insert(position, column, value)
    with atomic_path(summary_path) as tmp:
        summary.to_csv(tmp, index=False)
    if log:
        for row in summary.itertuples():
            log.info("%s budget %d: %.0f%% changed, %.1f score queries a question (max %d), gold in top %d: "
                     "%.0f%% -> %.0f%%", row.attack, row.budget, 100 * row.changed_rate, row.mean_queries,
                     row.max_queries, settings.objective_rank, 100 * row.clean_gold_in_top, 100 * row.attacked_gold_in_top)
    return summary
