"""xqg.attacks.query_set_attack: chrF against sacrebleu, summaries by language, the validity sample and
the attacked-query files."""

from __future__ import annotations

import pytest

from tests.helpers.attack_examples import examples
from xqg.attacks import (
    AttackedQuery,
    attack_query_set,
    attack_set_summary,
    chrf,
    read_attacked_queries,
    validity_sample,
    write_attacked_queries,
    write_validity_sheet,
)
from xqg.formats import InputFormatError
from xqg.languages import LANGUAGES


def test_chrf_matches_sacrebleu():
    from sacrebleu.metrics import CHRF

    reference = CHRF()
    records = attack_query_set(examples(), "typo", 2, 2, seed=1) + attack_query_set(examples(), "ordering", 2, 1, seed=1)
    pairs = [(r.text, r.original) for r in records] + [("abc def", "abd def"), ("aaaa", "aaaaa"), ("x", ""), ("", "x"), ("ab c", "abc")]
    for hypothesis, original in pairs:
        assert chrf(hypothesis, original) == pytest.approx(reference.sentence_score(hypothesis, [original]).score, abs=1e-9)
    assert chrf("same", "same") == 100.0


def _record(qid, lang, sample, changed, units=0, score=100.0):
    return AttackedQuery(qid, lang, sample, "q", "q2" if changed else "q", changed, units, score, ("e",) * units, "typo", 1)


def test_summary_hand_checked():
    records = [_record("a", "fi", 0, True, 1, 80.0), _record("a", "fi", 1, False), _record("b", "fi", 0, False), _record("b", "fi", 1, False),
               _record("c", "ja", 0, True, 2, 60.0), _record("c", "ja", 1, True, 1, 70.0)]
    summary = attack_set_summary(records)
    assert summary["fi"].applicability == 0.5 and summary["fi"].changed_rate == 0.25
    assert summary["fi"].mean_units_changed == 1.0 and summary["fi"].mean_chrf == 80.0
    assert summary["ja"].applicability == 1.0 and summary["ja"].mean_units_changed == 1.5 and summary["ja"].mean_chrf == 65.0


def test_validity_sample_and_files(tmp_path):
    records = attack_query_set(examples(), "typo", 1, 3, seed=2)
    rows = validity_sample(records, per_language=2, seed=0)
    assert len(rows) <= 14 and all(r["text"] != r["original"] for r in rows)
    for lang in LANGUAGES:
        mine = [r for r in rows if r["lang"] == lang]
        assert len(mine) <= 2 and len({r["qid"] for r in mine}) == len(mine)
    assert rows == validity_sample(records, per_language=2, seed=0)
    write_validity_sheet(tmp_path / "audit.csv", rows)
    assert (tmp_path / "audit.csv").read_text(encoding="utf-8-sig").splitlines()[0].startswith("attack,budget,lang,qid")
    write_attacked_queries(tmp_path / "attacked.jsonl", records)
    assert read_attacked_queries(tmp_path / "attacked.jsonl") == records
    (tmp_path / "bad.jsonl").write_text('{"qid": "1"}\n', encoding="utf-8")
    with pytest.raises(InputFormatError, match="line 1"):
        read_attacked_queries(tmp_path / "bad.jsonl")
