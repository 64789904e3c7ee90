"""xqg.attacks.back_translation with tiny randomly initialised models built here: an NLLB-tokenised
M2M100 (the architecture of NLLB-200 dense) and a BERT similarity encoder, both with character
vocabularies over the seven languages' example questions. Their outputs are gibberish; what is tested
is the machinery (seeding, language codes, filters, records)."""

from __future__ import annotations

import dataclasses
import json
import unicodedata

import pytest

from tests.helpers.paths import ATTACK_EXAMPLES
from tests.helpers.tiny_models import save_tiny_translation_models
from xqg.attacks import attack_set_summary, read_attacked_queries, validity_sample, write_attacked_queries
from xqg.attacks.back_translation import (
    NLLB_CODES,
    BackTranslationSettings,
    _similarities,
    back_translate,
    is_sentence_transformer,
    language_code,
    language_token,
    load_translator,
    translation_scheme,
)
from xqg.attacks.query_set_attack import chrf
from xqg.formats import read_questions

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py

EXAMPLES = ATTACK_EXAMPLES

LANGS = ("ar", "bn", "fi", "ja", "ko", "ru", "te")


def _questions(per_language: int = 1):
    questions = read_questions(EXAMPLES)
    return [q for lang in LANGS for q in [q for q in questions if q.lang == lang][:per_language]]


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, str]:
    return save_tiny_translation_models(tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture(scope="module")
def translator(models):
    return load_translator(models["mt"], device="cpu", precision="fp32")


def _settings(models, **overrides) -> BackTranslationSettings:
    base = dict(model=models["mt"], similarity_model=models["sim"], min_similarity=-1.0, chrf_bounds=(0.0, 100.0),
                candidates=2, top_k=5, max_new_tokens=12, max_input_length=48, batch_size=4, precision="fp32",
                device="cpu", budgets=(1,))
    return BackTranslationSettings(**{**base, **overrides})


def test_language_codes_for_nllb_and_m2m100():
    assert [language_code("nllb", lang) for lang in (*LANGS, "en")] == [
        "arb_Arab", "ben_Beng", "fin_Latn", "jpn_Jpan", "kor_Hang", "rus_Cyrl", "tel_Telu", "eng_Latn"]
    assert [language_token("m2m100", lang) for lang in ("ar", "te", "en")] == ["__ar__", "__te__", "__en__"]
    assert language_code("m2m100", "ja") == "ja" and language_token("nllb", "ko") == "kor_Hang"
    with pytest.raises(ValueError, match="no nllb code for language 'sw'"):
        language_code("nllb", "sw")
    with pytest.raises(ValueError, match="unknown language-code scheme 'marian'"):
        language_code("marian", "ar")


def test_tokenizer_class_decides_the_scheme(translator):
    assert translator.scheme == "nllb"
    assert translation_scheme(type("M2M100Tokenizer", (), {})(), "m2m") == "m2m100"
    with pytest.raises(ValueError, match="tokenizer class BertTokenizer has no known language codes"):
        translation_scheme(type("BertTokenizer", (), {})(), "some/model")
    # The FLORES tokens exist and are what the source prefix and the forced BOS use.
    for lang in (*LANGS, "en"):
        assert translator.tokenizer.convert_ids_to_tokens(translator.token_id(lang)) == NLLB_CODES[lang]


def test_unknown_model_type_is_a_clear_error(models):
    with pytest.raises(ValueError, match=r"attacks.model_paraphrase.model: .*not-mt is a 'bert' model"):
        load_translator(models["not-mt"], device="cpu")


def test_translation_uses_source_token_and_forced_target_bos(translator, monkeypatch):
    translator.tokenizer.src_lang = language_code("nllb", "bn")
    ids = translator.tokenizer("ঢাকা")["input_ids"]
    assert ids[0] == translator.token_id("bn") and ids[-1] == translator.tokenizer.eos_token_id
    seen = []
    generate = translator.model.generate

    def recording_generate(**kwargs):
        seen.append((kwargs["input_ids"], generate(**kwargs)))
        return seen[-1][1]

    monkeypatch.setattr(translator.model, "generate", recording_generate)
    english = translator.translate(["ঢাকা কোথায়?", "ঢাকা"], "bn", "te", [1, 2], top_k=5, max_new_tokens=6,
                                   max_input_length=32, batch_size=2)
    assert len(english) == 2 and all(isinstance(text, str) for text in english)
    (inputs, output), = seen
    assert inputs[:, 0].tolist() == [translator.token_id("bn")] * 2  # source token first (NLLB, non-legacy)
    # after the decoder start token, the forced target-language token, whatever the sampler draws
    assert output[:, 1].tolist() == [translator.token_id("te")] * 2


def test_seeded_and_independent_of_batching(models, translator):
    questions = _questions()
    settings = _settings(models)
    first, _ = back_translate(questions, settings, n_samples=1, seed=7, translator=translator)
    again, _ = back_translate(questions, dataclasses.replace(settings, batch_size=1), n_samples=1, seed=7,
                              translator=translator)
    reordered, _ = back_translate(questions[::-1], settings, n_samples=1, seed=7, translator=translator)
    other, _ = back_translate(questions, settings, n_samples=1, seed=8, translator=translator)
    key = lambda records: sorted((r.qid, r.sample, r.text) for r in records)  # noqa: E731
    assert key(first[1]) == key(again[1]) == key(reordered[1])
    assert key(first[1]) != key(other[1])


def test_accepting_filters_change_queries_into_valid_unicode(models, translator):
    questions = _questions()
    records, verdicts = back_translate(questions, _settings(models, budgets=(1, 2)), n_samples=2, seed=7,
                                       translator=translator)
    assert set(records) == {1, 2}
    for budget, rows in records.items():
        assert len(rows) == len(questions) * 2
        assert {(r.attack, r.budget) for r in rows} == {("back_translation", budget)}
        changed = [r for r in rows if r.changed]
        assert len(changed) >= len(rows) // 2, verdicts[budget]
        for r in changed:
            assert r.text != r.original and r.text.strip() and "\ufffd" not in r.text
            assert unicodedata.is_normalized("NFC", r.text)
            r.text.encode("utf-8")  # no lone surrogates
            assert r.units_changed == budget and r.chrf == pytest.approx(chrf(r.text, r.original))
            assert len(r.edits) == budget + 1 and r.edits[0].startswith("back_translation:round 1 via en")
        for r in rows:
            if not r.changed:
                assert (r.text, r.units_changed, r.edits, r.chrf) == (r.original, 0, (), 100.0)
    # Budgets are nested: round 1 of a budget-2 chain is the budget-1 pivot.
    by_key = {(r.qid, r.sample): r for r in records[2] if r.changed}
    nested = [r for r in records[1] if r.changed and (r.qid, r.sample) in by_key
              and r.edits[-1].split(",")[0] == by_key[r.qid, r.sample].edits[-1].split(",")[0]]
    assert nested and all(r.edits[0] == by_key[r.qid, r.sample].edits[0] for r in nested)


def test_rejecting_filters_make_the_attack_not_applicable(models, translator):
    questions = _questions()
    for overrides, verdict in (({"chrf_bounds": (100.0, 100.0)}, "chrf_below"), ({"min_similarity": 1.0}, "dissimilar")):
        records, verdicts = back_translate(questions, _settings(models, **overrides), n_samples=1, seed=7,
                                           translator=translator)
        assert not any(r.changed for r in records[1]) and verdicts[1][verdict] > 0
        assert verdicts[1]["accepted"] == 0
        summary = attack_set_summary(records[1])
        assert {s.applicability for s in summary.values()} == {0.0}
        assert validity_sample(records[1]) == []


def test_similarity_threshold_keeps_only_close_candidates(models, translator):
    records, verdicts = back_translate(_questions(), _settings(models, min_similarity=0.75), n_samples=2, seed=7,
                                       translator=translator)
    kept = [float(r.edits[-1].rsplit(" ", 1)[1]) for r in records[1] if r.changed]
    assert kept and min(kept) >= 0.75 and verdicts[1]["dissimilar"] > 0


def test_records_round_trip_through_the_attack_files(models, translator, tmp_path):
    records, _ = back_translate(_questions(), _settings(models), n_samples=1, seed=7, translator=translator)
    path = tmp_path / "back_translation~1.jsonl"
    write_attacked_queries(path, records[1])
    assert read_attacked_queries(path) == records[1]
    assert all("chrf" in json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())


def test_settings_name_the_config_key(models):
    with pytest.raises(ValueError, match=r"attacks.model_paraphrase.model: expected a hub id"):
        BackTranslationSettings.from_config({"model": None, "similarity_model": "x"})
    with pytest.raises(ValueError, match=r"attacks.model_paraphrase.chrf_bounds"):
        BackTranslationSettings.from_config({"model": "m", "similarity_model": "s", "chrf_bounds": [90, 10]})
    with pytest.raises(ValueError, match=r"attacks.model_paraphrase.beams: unknown key"):
        BackTranslationSettings.from_config({"model": "m", "similarity_model": "s", "beams": 4})
    settings = BackTranslationSettings.from_config({"model": "m", "similarity_model": "s", "chrf_bounds": [10, 90],
                                                    "budgets": [1, 2]})
    assert settings.chrf_bounds == (10, 90) and settings.budgets == (1, 2)


def test_the_validity_gate_drops_candidates_that_lose_the_answer(models, translator):
    # the whole question as its answer: any changed candidate removes it
    questions = [q._replace(answers=(q.text,)) for q in _questions()]
    records, verdicts = back_translate(questions, _settings(models), n_samples=1, seed=7, translator=translator)
    assert verdicts[1]["changes_answer"] > 0 and verdicts[1]["accepted"] == 0
    assert not any(r.changed for r in records[1])


def test_similarity_is_labse_s_pipeline_cls_dense_tanh_normalise(models, tmp_path):
    """The cosine follows the sentence-transformers modules (LaBSE: [CLS] -> Dense(tanh) -> normalise),
    computed here by hand from the saved weights; without modules.json, the normalised [CLS] vector."""
    import shutil

    import numpy as np
    import torch
    from safetensors.torch import load_file
    from transformers import AutoTokenizer, BertModel

    sim = models["sim"]
    assert is_sentence_transformer(sim)
    texts = ["Кто написал Войну и мир?", "Kuka kirjoitti Sodan ja rauhan?"]
    tokenizer, bert = AutoTokenizer.from_pretrained(sim), BertModel.from_pretrained(sim, add_pooling_layer=False).eval()
    dense = load_file(f"{sim}/2_Dense/model.safetensors")
    with torch.no_grad():
        cls = bert(**tokenizer(texts, return_tensors="pt", padding=True)).last_hidden_state[:, 0]
        pooled = torch.tanh(cls @ dense["linear.weight"].T + dense["linear.bias"])
    unit = torch.nn.functional.normalize(pooled, dim=1)
    settings = _settings(models, max_input_length=64)
    assert _similarities(texts[:1], texts[1:], settings) == pytest.approx([float(unit[0] @ unit[1])], abs=1e-5)

    plain = tmp_path / "plain"
    shutil.copytree(sim, plain)
    (plain / "modules.json").unlink()
    assert not is_sentence_transformer(str(plain))
    cls_unit = torch.nn.functional.normalize(cls, dim=1)
    assert _similarities(texts[:1], texts[1:], dataclasses.replace(settings, similarity_model=str(plain))) == \
        pytest.approx([float(cls_unit[0] @ cls_unit[1])], abs=1e-5)
    assert not np.isclose(float(unit[0] @ unit[1]), float(cls_unit[0] @ cls_unit[1]))  # the head matters
