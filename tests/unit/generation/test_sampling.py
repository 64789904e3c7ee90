"""xqg.generation.sampling: seeded, batch-independent generation with the generators trained on the toy
task (tests/unit/generation/conftest.py), and resuming an interrupted output file."""

from __future__ import annotations

import json

import pytest

from tests.helpers.toy_generation import PASSAGES, QUESTIONS
from xqg.formats import iter_generated_queries
from xqg.generation.sampling import generate_queries, generate_to_file


def test_generation_is_reproducible_and_batch_independent(trained_mt5):
    out, _ = trained_mt5
    model = str(out / "model")
    run = lambda batch_size, passages=PASSAGES: list(generate_queries(model, passages, ["ru", "fi"], n_samples=3, batch_size=batch_size,
                                                                      max_input_length=64, seed=7, progress=False))
    first, again, one_by_one = run(3), run(3), run(1)
    assert first == again == one_by_one
    assert [(r.passage_id, r.lang) for r in first] == [(p.id, lang) for p in PASSAGES for lang in ("ru", "fi")]
    assert all(len(r.queries) == 3 for r in first)
    # order-independent too: a passage's queries do not depend on its neighbours
    assert run(2, PASSAGES[::-1])[-2:] == first[:2]
    other_seed = list(generate_queries(model, PASSAGES, ["ru", "fi"], n_samples=3, seed=8, progress=False))
    assert other_seed != first


def test_length_windows_batch_by_length_and_keep_the_input_order(trained_mt5, monkeypatch):
    """Batches are formed by encoder-input length within a window; records still follow the passages' order."""
    from xqg.generation import sampling
    from xqg.generation.generator import load_generator

    out, _ = trained_mt5
    model = str(out / "model")
    passages = [PASSAGES[0]._replace(text=PASSAGES[0].text + " more words here" * n, id=f"p{n}") for n in (0, 3, 1, 2)]
    batches = sampling._length_sorted_batches(load_generator(model), passages, "ru", 64, 2)
    assert batches == [[1, 3], [2, 0]]  # longest first
    run = lambda: list(generate_queries(model, passages, ["ru", "fi"], n_samples=2, batch_size=2, max_input_length=64, seed=5,
                                        progress=False))
    whole_window = run()
    monkeypatch.setattr(sampling, "LENGTH_WINDOW_BATCHES", 1)  # windows of 2 passages: other batches, same records
    assert run() == whole_window
    assert [(r.passage_id, r.lang) for r in whole_window] == [(p.id, lang) for p in passages for lang in ("ru", "fi")]


def test_trained_generator_learns_the_toy_questions(trained_mt5):
    out, _ = trained_mt5
    records = list(generate_queries(str(out / "model"), PASSAGES, list(QUESTIONS), n_samples=2, top_k=1, progress=False))
    # top_k 1 is greedy decoding: the memorised question, in the asked language, with the passage's title
    assert [r.queries for r in records] == [(QUESTIONS[lang].format(t=p.title),) * 2 for p in PASSAGES for lang in QUESTIONS]


def test_bert2bert_generation_with_language_tokens(trained_bert2bert):
    out, _ = trained_bert2bert
    records = list(generate_queries(str(out / "model"), PASSAGES, ["ja", "fi"], n_samples=2, top_k=3, progress=False))
    assert len(records) == 6 and all(len(r.queries) == 2 for r in records)
    with pytest.raises(ValueError, match="trained with prompt_style"):
        next(generate_queries(str(out / "model"), PASSAGES, ["ja"], prompt_style="text", progress=False))


def test_generate_to_file_resumes(trained_mt5, tmp_path):
    out, _ = trained_mt5
    model, target = str(out / "model"), tmp_path / "queries.jsonl"
    options = dict(n_samples=2, seed=3, progress=False)
    expected = list(generate_queries(model, PASSAGES, ["ru", "fi"], **options))
    # an interrupted run: two complete records, then a torn line
    part = tmp_path / "queries.jsonl.part"
    generate_to_file(model, PASSAGES[:1], ["ru", "fi"], tmp_path / "first.jsonl", **options)
    lines = (tmp_path / "first.jsonl").read_text(encoding="utf-8").splitlines()
    part.write_text("\n".join(lines) + '\n{"passage_id": "p2", "la', encoding="utf-8")
    (tmp_path / "queries.jsonl.part.json").write_text(json.dumps(
        {"model_dir": model, "languages": ["ru", "fi"], "passages": 3, "n_samples": 2, "seed": 3}), encoding="utf-8")
    assert generate_to_file(model, PASSAGES, ["ru", "fi"], target, **options) == 6
    assert list(iter_generated_queries(target)) == expected
    assert not part.exists()


def test_bf16_sampling_runs_and_greedy_decoding_keeps_the_memorised_questions(trained_mt5):
    """generation.precision bf16 (the full study's, on GPUs) runs the same sampler under bf16 autocast; on a CPU
    without bf16 units it is emulated. Greedy decoding of the memorised toy questions survives the rounding."""
    out, _ = trained_mt5
    options = dict(n_samples=2, top_k=1, progress=False, device="cpu")
    bf16 = list(generate_queries(str(out / "model"), PASSAGES, list(QUESTIONS), precision="bf16", **options))
    assert [r.queries for r in bf16] == [(QUESTIONS[lang].format(t=p.title),) * 2 for p in PASSAGES for lang in QUESTIONS]
    with pytest.raises(ValueError, match="'fp32' or 'bf16'"):
        next(generate_queries(str(out / "model"), PASSAGES, ["ru"], precision="fp16", **options))
