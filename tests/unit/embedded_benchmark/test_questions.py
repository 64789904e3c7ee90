"""xqg.embedded_benchmark.questions: question templates per language and split, and the name inflection
helpers."""

from __future__ import annotations

from xqg.embedded_benchmark.questions import (
    ENGLISH_TEMPLATES,
    QUESTION_TEMPLATES,
    QUESTION_TYPES,
    arabic_prefixed,
    bengali_genitive,
    finnish_niminen,
    render_question,
    template_slots,
)
from xqg.languages import LANGUAGES


def test_train_and_dev_phrasings_differ_and_render(benchmark):
    name = {"ar": "الولايات المتحدة", "bn": "জাপান", "fi": "Suomi", "ja": "日本", "ko": "핀란드", "ru": "Финляндия", "te": "జపాన్"}
    for lang in LANGUAGES:
        assert set(QUESTION_TEMPLATES[lang]) == set(QUESTION_TYPES)
        for question_type, by_split in QUESTION_TEMPLATES[lang].items():
            assert len(by_split["train"]) >= 2 and len(by_split["dev"]) >= 2
            assert not set(by_split["train"]) & set(by_split["dev"]), (lang, question_type)
            for template in by_split["train"] + by_split["dev"]:
                rendered = render_question(template, template_slots(lang, name[lang]))
                assert "{" not in rendered and rendered.rstrip().endswith(("?", "？", "؟")), rendered
    assert set(ENGLISH_TEMPLATES) == set(QUESTION_TYPES)
    # every dev question uses a dev phrasing
    for q in benchmark.dev[:50]:
        assert q.question.split == "dev"


def test_name_inflection_helpers():
    assert bengali_genitive("ফিনল্যান্ড") == "ফিনল্যান্ডের"
    assert bengali_genitive("রাশিয়া") == "রাশিয়ার"
    assert bengali_genitive("ইতালি") == "ইতালির"
    assert bengali_genitive("হংকং এসএআর চীন") == "হংকং এসএআর চীনের"
    assert arabic_prefixed("ل", "فنلندا") == "لفنلندا"
    assert arabic_prefixed("ل", "الولايات المتحدة") == "للولايات المتحدة"
    assert arabic_prefixed("ب", "الهند") == "بالهند"
    assert finnish_niminen("Suomi") == "Suomi-nimisen"
    assert finnish_niminen("Hongkong – Kiinan erityishallintoalue") == "Hongkong – Kiinan erityishallintoalue -nimisen"
    assert render_question(QUESTION_TEMPLATES["ja"]["currency"]["train"][0], template_slots("ja", "フィンランド")) == "フィンランドの通貨は何ですか？"
