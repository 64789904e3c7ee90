"""Attacking a whole query set: n seeded samples per query, chrF to the original, summaries by
language, a validity sample for human audit, and JSONL/CSV files for the workflow.

chrF is sacrebleu's sentence chrF (character 6-grams, beta 2, whitespace ignored, effective-order
averaging) computed here with the reference n-grams cached per original query, since each original is
compared with many perturbations, is slow; since a perturbation is local, only the n-grams around the
changed span are counted (see ``chrf``); ``tests/unit/attacks/test_query_set_attack.py`` checks equality with ``sacrebleu``.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from tqdm import tqdm

from xqg.attacks.base import Attack, derive_rng, unchanged
from xqg.attacks.validity import MAX_DRAWS, answer_change
from xqg.files import atomic_open
from xqg.formats import InputFormatError, Question, _json_object, _lines

CHAR_ORDER, BETA = 6, 2


@dataclass(frozen=True)
class AttackedQuery:
    qid: str
    lang: str
    sample: int
    original: str
    text: str
    changed: bool
    units_changed: int
    chrf: float  # sacrebleu sentence chrF of text against original, 0-100
    edits: tuple[str, ...]
    attack: str = ""
    budget: int = 0
    rejected: int = 0  # draws the validity gate rejected before this one (xqg.attacks.validity)


@functools.lru_cache(maxsize=1 << 16)  # samples of one query often coincide (few words to swap or drop)
def chrf(hypothesis: str, reference: str) -> float:
    """Sentence chrF (sacrebleu 2.x defaults: chrF2, char order 6, word order 0, no eps smoothing).

    A perturbation changes a query locally, so only the character n-grams that overlap the span between
    the common prefix and the common suffix differ; their count difference ``delta`` gives the matches
    exactly: matches = n_ref + sum(min(0, delta)), n_hyp = n_ref + sum(delta)."""
    ref, hyp = "".join(reference.split()), "".join(hypothesis.split())
    if hyp == ref:
        return 100.0 if ref else 0.0
    shorter = min(len(ref), len(hyp))
    prefix = 0
    while prefix < shorter and ref[prefix] == hyp[prefix]:
        prefix += 1
    suffix = 0
    while suffix < shorter - prefix and ref[-1 - suffix] == hyp[-1 - suffix]:
        suffix += 1
    factor = BETA**2
    precision_sum = recall_sum = 0.0
    effective = 0
    for n in range(1, CHAR_ORDER + 1):
        n_ref, n_hyp = len(ref) - n + 1, len(hyp) - n + 1
        if n_ref <= 0 or n_hyp <= 0:
            continue
        delta: Counter = Counter()
        for i in range(max(0, prefix - n + 1), min(len(hyp) - n, len(hyp) - suffix - 1) + 1):
            delta[hyp[i : i + n]] += 1
        for i in range(max(0, prefix - n + 1), min(len(ref) - n, len(ref) - suffix - 1) + 1):
            delta[ref[i : i + n]] -= 1
        match = n_ref + sum(d for d in delta.values() if d < 0)
        precision_sum += match / n_hyp
        recall_sum += match / n_ref
        effective += 1
    if effective == 0:
        return 0.0
    precision, recall = precision_sum / effective, recall_sum / effective
    if precision + recall == 0:
        return 0.0
    return 100 * (1 + factor) * precision * recall / (factor * precision + recall)


def _resolve(attack: str | Attack) -> Attack:
    if isinstance(attack, str):
        from xqg.attacks import ATTACKS

        if attack not in ATTACKS:
            raise ValueError(f"unknown attack {attack!r}; expected one of {', '.join(sorted(ATTACKS))}")
        return ATTACKS[attack]
    return attack


def attack_query_set(
    questions: Sequence[Question], attack: str | Attack, budget: int, n_samples: int, seed: int, *, progress: bool = False
) -> list[AttackedQuery]:
    """Attack every question ``n_samples`` times. Sample s of question q uses the RNG derived from
    (seed, attack name, budget, q.id, s), so records do not depend on order or on other questions. A
    draw that the validity gate rejects (it adds or removes an answer) is redrawn, up to ``MAX_DRAWS``
    draws; if every draw is rejected the sample keeps the original query (not applicable)."""
    runner = _resolve(attack)
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    records = []
    for question in tqdm(questions, desc=f"attack {runner.name} b={budget}", disable=not progress, unit="q"):
        for sample in range(n_samples):
            rejected = 0
            for draw in range(MAX_DRAWS):  # the first draw's RNG is the one without a gate: same records
                rng = derive_rng(seed, runner.name, budget, question.id, sample if draw == 0 else f"{sample}/{draw}")
                result = runner(question.text, question.lang, budget, rng)
                if not result.changed or answer_change(question.text, result.text, question.answers) is None:
                    break
                rejected += 1
            else:
                result = unchanged(question.text)
            records.append(
                AttackedQuery(
                    question.id, question.lang, sample, question.text, result.text, result.changed,
                    result.units_changed, chrf(result.text, question.text), result.edits, runner.name, budget, rejected,
                )
            )
    return records


@dataclass(frozen=True)
class LanguageSummary:
    lang: str
    queries: int
    samples: int
    applicability: float  # share of queries that the attack changed in at least one sample
    changed_rate: float  # share of (query, sample) records that changed
    mean_units_changed: float  # over changed records
    mean_chrf: float  # over changed records
    rejection_rate: float = 0.0  # share of draws the validity gate rejected (xqg.attacks.validity)


def _rejection_rate(records: Sequence[AttackedQuery]) -> float:
    """Rejected draws over all draws: a record took its rejected draws plus the one kept, unless every
    draw was rejected (then it keeps the original query and took ``MAX_DRAWS``)."""
    rejected = sum(r.rejected for r in records)
    draws = sum(r.rejected + (r.rejected < MAX_DRAWS) for r in records)
    return rejected / draws if draws else 0.0


def attack_set_summary(records: Iterable[AttackedQuery]) -> dict[str, LanguageSummary]:
    """Per language: applicability, mean units changed and mean chrF (both over changed records)."""
    by_lang: dict[str, list[AttackedQuery]] = defaultdict(list)
    for record in records:
        by_lang[record.lang].append(record)
    out = {}
    for lang, rows in sorted(by_lang.items()):
        queries: dict[str, bool] = {}
        for r in rows:
            queries[r.qid] = queries.get(r.qid, False) or r.changed
        changed = [r for r in rows if r.changed]
        out[lang] = LanguageSummary(
            lang,
            len(queries),
            len(rows),
            sum(queries.values()) / len(queries),
            len(changed) / len(rows),
            sum(r.units_changed for r in changed) / len(changed) if changed else 0.0,
            sum(r.chrf for r in changed) / len(changed) if changed else float("nan"),
            _rejection_rate(rows),
        )
    return out


VALIDITY_COLUMNS = ("attack", "budget", "lang", "qid", "sample", "original", "text", "edits", "chrf", "valid", "same_meaning", "comment")


def validity_sample(records: Sequence[AttackedQuery], per_language: int = 50, seed: int = 0) -> list[dict[str, str]]:
    """Rows for a human-audit sheet: up to ``per_language`` changed records per language (one sample per
    query at most, so the sheet covers different queries), drawn with ``seed``; the judgement columns
    ``valid``, ``same_meaning`` and ``comment`` are left empty for the annotator."""
    rng = random.Random(seed)
    by_lang: dict[str, dict[str, list[AttackedQuery]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        if r.changed:
            by_lang[r.lang][r.qid].append(r)
    rows = []
    for lang in sorted(by_lang):
        qids = sorted(by_lang[lang])
        for qid in rng.sample(qids, min(per_language, len(qids))):
            r = rng.choice(by_lang[lang][qid])
            rows.append(
                {
                    "attack": r.attack, "budget": str(r.budget), "lang": r.lang, "qid": r.qid, "sample": str(r.sample),
                    "original": r.original, "text": r.text, "edits": " | ".join(r.edits), "chrf": f"{r.chrf:.1f}",
                    "valid": "", "same_meaning": "", "comment": "",
                }
            )
    return rows


def write_validity_sheet(path: str | os.PathLike, rows: Sequence[dict[str, str]]) -> None:
    """CSV (UTF-8 with BOM, so that spreadsheet programs detect the encoding of non-Latin scripts)."""
    with atomic_open(path, encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=VALIDITY_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def write_attacked_queries(path: str | os.PathLike, records: Iterable[AttackedQuery]) -> None:
    with atomic_open(path) as handle:
        for r in records:
            record = asdict(r)
            record["edits"] = list(r.edits)
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_attacked_queries(path: str | os.PathLike) -> list[AttackedQuery]:
    records = []
    fields = AttackedQuery.__dataclass_fields__
    for number, line in _lines(path):
        record = _json_object(path, number, line)
        missing = [f for f in ("qid", "lang", "sample", "original", "text", "changed", "units_changed", "chrf", "edits") if f not in record]
        if missing:
            raise InputFormatError(path, number, missing[0], "missing field")
        unknown = set(record) - set(fields)
        if unknown:
            raise InputFormatError(path, number, sorted(unknown)[0], "unknown field")
        try:
            records.append(AttackedQuery(**{**record, "edits": tuple(record["edits"])}))
        except TypeError as error:
            raise InputFormatError(path, number, None, str(error)) from None
    return records
