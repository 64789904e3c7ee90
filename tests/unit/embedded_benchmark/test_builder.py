"""xqg.embedded_benchmark.builder: the embedded benchmark (territory facts from CLDR, no downloads) is
reproducible, loads with the XOR-TyDi readers and has gold passages, answers and scripts as stated."""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter

import pytest

from tests.helpers.embedded_benchmark import SMALL
from tests.helpers.paths import SHARED_XOR_TYDI
from xqg.embedded_benchmark import build_embedded_benchmark, generate_embedded_benchmark
from xqg.embedded_benchmark.builder import DEFAULT_MAX_ANSWER_PASSAGES, answer_passages
from xqg.embedded_benchmark.facts import load_territory_facts
from xqg.formats import read_passages, read_qrels, read_questions
from xqg.languages import LANGUAGES

XOR_TYDI = SHARED_XOR_TYDI


# A letter of each language's script (Finnish: a letter Finnish uses and English does not).
SCRIPT_LETTER = {
    "ar": r"[\u0620-\u064A]",
    "bn": r"[\u0985-\u09B9]",
    "fi": r"[äöÄÖ]",
    "ja": r"[\u3041-\u30FA]",  # kana: every Japanese template has some, whatever the name
    "ko": r"[\uAC00-\uD7A3]",
    "ru": r"[\u0410-\u044F]",
    "te": r"[\u0C05-\u0C39]",
}


def test_same_seed_gives_byte_identical_files(built, tmp_path):
    again = build_embedded_benchmark(tmp_path / "again", seed=13, **SMALL)
    for path in vars(again).values():
        assert path.read_bytes() == (built / path.name).read_bytes(), path.name
    other = build_embedded_benchmark(tmp_path / "other", seed=14, **SMALL)
    assert other.dev_questions.read_bytes() != (built / other.dev_questions.name).read_bytes()


def test_files_load_with_the_xor_tydi_readers(built):
    passages = read_passages(built / "corpus.tsv")
    assert all(re.fullmatch(r"emb-\d{6}", p.id) for p in passages)
    ids = {p.id for p in passages}
    for split, per_language in (("train", SMALL["train_per_language"]), ("dev", SMALL["dev_per_language"])):
        questions = read_questions(built / f"xor_{split}_retrieve_eng_span.jsonl")
        assert Counter(q.lang for q in questions) == {lang: per_language for lang in LANGUAGES}
        assert {q.split for q in questions} == {split}
        qrels = read_qrels(built / f"qrels.{split}.tsv")
        assert set(qrels) == {q.id for q in questions}
        assert all(pid in ids for judged in qrels.values() for pid in judged)
        pairs = [json.loads(line) for line in (built / f"generator_pairs.{split}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert len(pairs) == len(questions)
        assert all(set(p) == {"passage_id", "lang", "question"} and p["passage_id"] in ids for p in pairs)
        # the generator's input passage is one of the question's gold passages
        by_text = {(q.lang, q.text): q.id for q in questions}
        assert all(p["passage_id"] in qrels[by_text[(p["lang"], p["question"])]] for p in pairs)
    english = [json.loads(line) for line in (built / "english_train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert english and all(set(r) == {"id", "question", "answers", "positive_passage_ids"} for r in english)
    assert all(set(r["positive_passage_ids"]) <= ids for r in english)
    assert "Passages:" in (built / "README.md").read_text(encoding="utf-8")


@pytest.mark.skipif(not XOR_TYDI.is_dir(), reason=f"real XOR-TyDi files not found at {XOR_TYDI} (../shared is absent)")
def test_question_records_have_the_fields_of_xor_tydi_records(built):
    with open(XOR_TYDI / "xor_dev_retrieve_eng_span_v1_1.jsonl", encoding="utf-8") as handle:
        real = json.loads(handle.readline())
    with open(built / "xor_dev_retrieve_eng_span.jsonl", encoding="utf-8") as handle:
        ours = json.loads(handle.readline())
    assert list(ours) == list(real)
    assert {k: type(v) for k, v in ours.items()} == {k: type(v) for k, v in real.items()}


def test_no_territory_is_in_both_splits(benchmark):
    train = {q.territory for q in benchmark.train} | {q.territory for q in benchmark.english_train}
    dev = {q.territory for q in benchmark.dev}
    assert train and dev and not train & dev
    assert not benchmark.train_territories & benchmark.dev_territories
    # the territory is also visible in the id, for anyone reading the files
    assert all(f"-{q.territory}-" in q.question.id for q in benchmark.train + benchmark.dev)


def test_gold_passages_are_exactly_the_passages_containing_the_answer(benchmark):
    texts = {p.id: p.text for p in benchmark.passages}
    for q in benchmark.train + benchmark.dev + benchmark.english_train:
        (answer,) = q.question.answers
        containing = {pid for pid, text in texts.items() if answer in text}
        assert set(q.gold_passages) == containing, q.question.id
        assert q.source_passage in containing


def test_answers_are_rare_and_never_inside_a_longer_word(benchmark):
    texts = [p.text for p in benchmark.passages]
    for answer in {q.question.answers[0] for q in benchmark.train + benchmark.dev}:
        containing = [t for t in texts if answer in t]
        assert 1 <= len(containing) <= DEFAULT_MAX_ANSWER_PASSAGES, answer
        for text in containing:
            raw = text.count(answer)
            whole = len(re.findall(rf"(?<!\w){re.escape(answer)}(?!\w)", text))
            assert raw == whole, (answer, text)


def test_questions_are_in_their_language_script(benchmark):
    for q in benchmark.train + benchmark.dev:
        assert re.search(SCRIPT_LETTER[q.question.lang], q.question.text), q.question
    non_latin = "|".join(pattern for lang, pattern in SCRIPT_LETTER.items() if lang != "fi")
    for q in benchmark.english_train:
        assert q.question.lang == "en" and q.question.text.startswith(("What", "Which", "The")), q.question
        assert not re.search(non_latin, q.question.text), q.question


def test_passages_are_about_a_hundred_words(benchmark):
    words = [len(p.text.split()) for p in benchmark.passages]
    assert 55 <= statistics.median(words) <= 100
    assert max(words) <= 130


def test_every_territory_has_four_passages_and_names_passages_state_no_answer(benchmark):
    kinds = Counter(benchmark.passage_kinds.values())
    n_territories = len(load_territory_facts())
    assert [kinds[k] for k in ("profile", "languages", "time", "names")] == [n_territories] * 4
    assert len(benchmark.passages) == 4 * n_territories + SMALL["distractors"]
    gold = {pid for q in benchmark.train + benchmark.dev for pid in q.gold_passages}
    assert not any(benchmark.passage_kinds[pid] == "names" for pid in gold)


def test_too_many_questions_or_distractors_is_an_error():
    with pytest.raises(ValueError, match="dev_per_language=5000"):
        generate_embedded_benchmark(dev_per_language=5000, train_per_language=10, distractors=0)
    with pytest.raises(ValueError, match="distractors=100000"):
        generate_embedded_benchmark(distractors=100000)


def test_answer_passages_rejects_substrings_of_longer_words_and_names():
    assert answer_passages("Euro", ["The Euro is used.", "The European Union."], []) == ([], "inside a longer word")
    assert answer_passages("Finnish", ["It used the Finnish Markka."], ["Finnish Markka"]) == ([], "only inside a longer name")
    assert answer_passages("Finnish", ["Finnish is spoken.", "The Finnish Markka, and Finnish."], ["Finnish Markka"]) == ([0, 1], None)
    assert answer_passages("Yen", ["Japanese Yen", "nothing"], []) == ([0], None)
