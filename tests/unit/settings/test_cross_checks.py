"""xqg.settings.cross_checks: checks across keys, each naming the keys involved."""

from __future__ import annotations

from xqg.settings.cross_checks import (attack_names, chrf_bounds, cross_key_problems, defences, encoding_backend,
                                       generated_queries,
                                       generator_bases,
                                       measures, recall_cutoffs, regime_references, resolved_recall_cutoffs,
                                       trust_remote_code, xor_tydi_filenames)
from xqg.settings.problems import Problem


def messages(check, config):
    return [(p.key, p.message) for p in check(config)]


def test_k_and_the_k_sweep_against_the_generated_samples():
    config = {"generation": {"samples_per_language": 5}, "xqg": {"k": 6, "k_sweep": [1, 5, 7]}}
    assert messages(generated_queries, config) == [
        (("xqg", "k"), "6 exceeds generation.samples_per_language (5): xqg.k of the generated queries per language are fused"),
        (("xqg", "k_sweep", 2), "7 exceeds generation.samples_per_language (5)"),
    ]
    assert messages(generated_queries, {"generation": {"samples_per_language": 5}, "xqg": {"k": 5, "k_sweep": [5]}}) == []
    assert messages(generated_queries, {"generation": {"samples_per_language": "5"}, "xqg": {"k": 6}}) == []  # the schema's


def test_recall_cutoffs_against_the_search_depth():
    config = {"search": {"depth": 50}, "search_recall": {"cutoffs": [10, 100, 200]}}
    assert messages(recall_cutoffs, config) == [(("search_recall", "cutoffs"), "[100, 200] must not exceed search.depth (50)")]
    assert messages(recall_cutoffs, {"search": {"depth": 50}, "search_recall": {"cutoffs": None}}) == []
    assert resolved_recall_cutoffs(None, 50) == (10,) and resolved_recall_cutoffs(None, 500) == (10, 100)
    assert resolved_recall_cutoffs([5], 50) == (5,)


def test_attacks_configured_elsewhere_are_not_attack_names():
    config = {"attacks": {"names": ["typo", "back_translation", "greedy"]}}
    assert messages(attack_names, config) == [
        (("attacks", "names", 1), "back_translation is configured under attacks.model_paraphrase, not in attacks.names"),
        (("attacks", "names", 2), "greedy is configured under attacks.adversarial.greedy, not in attacks.names"),
    ]


def test_measures_are_parsed_by_ir_measures():
    config = {"evaluation": {"measures": ["nDCG@10", "RR@10", "nDCG@1O", "Bogus@5", "ERR@10"]}}
    found = messages(measures, config)
    assert [key for key, _ in found] == [("evaluation", "measures", i) for i in (2, 3, 4)]
    assert found[0][1].startswith("'nDCG@1O' is not an ir_measures measure (")
    assert found[1][1] == "'Bogus@5' is not an ir_measures measure (measure not found: Bogus)"
    assert found[2][1].startswith("'ERR@10' is not computed by the pytrec_eval backend")


def test_names_that_refer_to_other_sections():
    config = {
        "regimes": {"zero-shot": {"train": None}, "fine-tuned": {"train": "multilingual"}},
        "xqg": {"sweep_regimes": ["finetuned"]},
        "backbones": {"mbert": {"checkpoints": {"fine_tuned": "org/ckpt"}}},
        "generators": {"b2b": {"type": "trained", "base": "backbone:me5"}},
    }
    assert messages(regime_references, config) == [
        (("xqg", "sweep_regimes", 0), "'finetuned' is not a configured regime (regimes: zero-shot, fine-tuned)"),
        (("backbones", "mbert", "checkpoints", "fine_tuned"), "'fine_tuned' is not a configured regime (regimes: zero-shot, fine-tuned)"),
    ]
    assert messages(generator_bases, config) == [(("generators", "b2b", "base"), "'backbone:me5' names no configured backbone (backbones: mbert)")]


def test_trust_remote_code_anywhere_and_other_checks():
    config = {"trust_remote_code": False, "generators": {"g": {"trust_remote_code": True}}, "x": [{"trust_remote_code": 1}]}
    assert [p.key for p in trust_remote_code(config)] == [("trust_remote_code",), ("generators", "g", "trust_remote_code"),
                                                          ("x", 0, "trust_remote_code")]
    assert messages(chrf_bounds, {"attacks": {"model_paraphrase": {"chrf_bounds": [95, 20]}}}) == [
        (("attacks", "model_paraphrase", "chrf_bounds"), "[low, high] expected, got [95, 20]")]
    files = {"data": {"xor_tydi": {"files": {"a": {"filename": "x.tsv"}, "b": {"filename": "x.tsv"}}}}}
    assert messages(xor_tydi_filenames, files) == [
        (("data", "xor_tydi", "files", "b", "filename"), "'x.tsv' is also the filename of data.xor_tydi.files.a")]


def test_onnx_runtime_backends_refuse_bf16_and_fp16():
    assert messages(encoding_backend, {"encoding": {"backend": "onnxruntime-int8", "precision": "bf16"}}) == [
        (("encoding", "precision"), "bf16 needs backend torch; onnxruntime-int8 computes in fp32 or int8 (precision auto or fp32)")]
    for backend, precision in [("onnxruntime", "fp32"), ("torch", "fp16"), ("auto", "bf16"), ("onnxruntime", "auto")]:
        assert messages(encoding_backend, {"encoding": {"backend": backend, "precision": precision}}) == []


def test_malformed_sections_are_left_to_the_schema():
    assert cross_key_problems({"xqg": "k", "search": [], "attacks": None, "evaluation": {"measures": [3]}}) == []
    assert Problem(("a",), "m").dotted == "a"


def test_a_defence_perturbs_what_exists():
    perturb = {"attacks": ["typo"], "rate": 0.5, "seed": 1}
    config = {
        "regimes": {"zero-shot": {"train": None, "perturb": perturb}, "perturbation-tuned": {"train": "multilingual",
                                                                                            "perturb": perturb}},
        "backbones": {"mbert": {"checkpoints": {"perturbation-tuned": "org/model"}}},
        "generators": {"mt5": {"type": "pretrained"}, "noisy": {"type": "noisy", "source": "mt6", "perturb": perturb},
                       "noisier": {"type": "noisy", "source": "noisy", "perturb": perturb}},
    }
    assert messages(defences, config) == [
        (("regimes", "zero-shot", "perturb"),
         "perturbs training queries, but the regime does not train (train: null); set train or remove perturb"),
        (("backbones", "mbert", "checkpoints", "perturbation-tuned"),
         "regime 'perturbation-tuned' trains on perturbed queries (regimes.perturbation-tuned.perturb): a released "
         "checkpoint would skip that training"),
        (("generators", "noisy", "source"), "'mt6' is not a configured generator (generators: mt5, noisy, noisier)"),
        (("generators", "noisier", "source"),
         "'noisy' is itself noisy; name the generator whose clean queries this one perturbs"),
    ]
    config["regimes"]["zero-shot"]["perturb"] = None
    config["backbones"] = {}
    config["generators"]["noisy"]["source"] = config["generators"]["noisier"]["source"] = "mt5"
    assert messages(defences, config) == []
