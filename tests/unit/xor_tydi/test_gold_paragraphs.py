"""xqg.xor_tydi.gold_paragraphs: article titles, generator pairs and the gold-paragraph zip in the
released SQuAD layout (a synthetic zip, tests/unit/xor_tydi/conftest.py)."""

from __future__ import annotations

from xqg.xor_tydi.gold_paragraphs import article_title, generator_pairs, paragraph_id, read_gold_paragraph_data


def test_article_title_decodes_the_gold_paragraph_key():
    assert article_title("title:Portland, Oregon_parentSection:History_sectionName:Early_sectionIndex:2") == "Portland, Oregon"
    assert article_title("Plain Title ") == "Plain Title"


def test_generator_pairs_one_per_question_and_dev_excludes_train():
    from xqg.xor_tydi.gold_paragraphs import GoldParagraph

    a = GoldParagraph("1", "ja", "質問?", "T", "para one", ("x",))
    b = GoldParagraph("1", "ja", "質問?", "T", "para two", ("x",))
    c = GoldParagraph("2", "fi", "Kysymys?", "U", "para three", ())
    assert generator_pairs([a, b, c]) == [
        {"passage_id": paragraph_id("T", "para one"), "lang": "ja", "question": "質問?", "title": "T", "text": "para one"},
        {"passage_id": paragraph_id("U", "para three"), "lang": "fi", "question": "Kysymys?", "title": "U", "text": "para three"},
    ]
    assert [p["question"] for p in generator_pairs([a, c], exclude_question_ids={"1"})] == ["Kysymys?"]


def test_gold_paragraph_zip_in_the_released_layout(world):
    inputs, expected, _, squad = world
    gp = read_gold_paragraph_data(inputs.gold_paragraphs)
    assert [len(gp["train"]), len(gp["dev"])] == [45, 25]
    first = gp["train"][0]
    assert first.title == "Gold train 0" and first.lang == squad["train"][0]["paragraphs"][0]["qas"][0]["lang"].strip()
    assert first.text == squad["train"][0]["paragraphs"][0]["context"].strip()
