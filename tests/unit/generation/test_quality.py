"""xqg.generation.quality: script share, duplicates, title coverage and chrF of generated queries."""

from __future__ import annotations

import math

import pytest

from xqg.formats import GeneratedQueries, Passage
from xqg.generation.quality import generation_quality_report, quality_samples, script_share


def test_script_share_by_hand():
    assert script_share("Что такое Paris?", "ru") == pytest.approx(8 / 13)  # 8 Cyrillic of 13 letters
    assert script_share("東京タワーはどこ", "ja") == 1.0
    assert script_share("서울 tower", "ko") == pytest.approx(2 / 7)
    assert math.isnan(script_share("?? 123", "ar"))


def test_quality_report_by_hand():
    passages = {"p1": Passage("p1", "Eiffel Tower", "..."), "p2": Passage("p2", "Ur", "...")}
    generated = [
        GeneratedQueries("p1", "ru", ("Где Eiffel Tower?", "Где Eiffel Tower?", "Что такое башня?", "Paris?")),
        GeneratedQueries("p2", "ru", ("Где находится Ur?", "Что такое ur?")),
        GeneratedQueries("p1", "ja", ("エッフェル塔はどこ？", "tower とは")),
    ]
    references = [("p1", "ru", "Где находится Eiffel Tower?"), ("p1", "ja", "エッフェル塔はどこですか？")]
    titles = {pid: passage.title for pid, passage in passages.items()}
    report = generation_quality_report(generated, titles, references).set_index("lang")
    ru, ja = report.loc["ru"], report.loc["ja"]
    assert ru["passages"] == 2 and ru["queries"] == 6
    # right script (majority of the letters left after removing the title and its words): all but "Paris?"
    assert ru["script_share"] == pytest.approx(5 / 6)
    # duplicates: p1 has 4 queries, 3 distinct -> 1 duplicate of 6 queries
    assert ru["duplicate_rate"] == pytest.approx(1 / 6)
    # title coverage: "Eiffel Tower" twice, "Ur" twice (case-insensitive full title) -> 4 of 6
    assert ru["title_coverage"] == pytest.approx(4 / 6)
    lengths = [17, 17, 16, 6, 17, 13]
    assert ru["mean_chars"] == pytest.approx(sum(lengths) / 6) and ru["median_chars"] == 16.5
    assert ja["title_coverage"] == pytest.approx(1 / 2)  # "tower" is a 4+ letter word of the title
    assert ja["script_share"] == 1.0  # "tower とは": the title word removed, only kana is left
    import sacrebleu

    expected = sacrebleu.sentence_chrf("エッフェル塔はどこ？", ["エッフェル塔はどこですか？"]).score
    expected2 = sacrebleu.sentence_chrf("tower とは", ["エッフェル塔はどこですか？"]).score
    assert ja["chrf"] == pytest.approx((expected + expected2) / 2)
    assert ja["queries_with_reference"] == 2 and ru["queries_with_reference"] == 4
    text = quality_samples(lambda: generated, lambda ids: {pid: passages[pid] for pid in ids}, n_per_language=1, seed=0)
    assert "## ru" in text and "## ja" in text and "Eiffel Tower" in text
    # the report's record counts spare the counting pass, with the same samples
    counted = dict(zip(report.index, report["passages"]))
    assert quality_samples(lambda: generated, lambda ids: {pid: passages[pid] for pid in ids}, counts=counted,
                           n_per_language=1, seed=0) == text
