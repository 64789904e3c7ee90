"""xqg.settings.sections: immutable records that mirror the schema and that Snakemake's params trigger sees."""

from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from snakemake.persistence import UNREPRESENTABLE, PersistenceBase

from xqg.settings import load_settings
from xqg.settings import sections as s
from xqg.settings.schema_check import load_schema

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = load_schema()


def full_settings() -> s.Settings:
    config = yaml.safe_load((ROOT / "config" / "xor_tydi.yaml").read_text(encoding="utf-8"))
    return load_settings(config, ["config/xor_tydi.yaml"], ROOT)


def schema_at(*path):
    node = SCHEMA
    for key in path:
        node = node[key]
        if isinstance(node, dict) and "$ref" in node and set(node) <= {"$ref", "default", "description"}:
            node = schema_at(*node["$ref"].removeprefix("#/").split("/"))
    return node


P = "properties"
RECORDS = {  # record -> its object in the schema
    s.Settings: (),
    s.DataSettings: (P, "data"),
    s.EmbeddedDataSettings: (P, "data", P, "embedded"),
    s.XorTydiSettings: (P, "data", P, "xor_tydi"),
    s.XorTydiFileSettings: ("$defs", "xor_tydi_file"),
    s.SubcorpusSettings: (P, "data", P, "xor_tydi", P, "subcorpus"),
    s.BackboneSettings: (P, "backbones", "additionalProperties"),
    s.RegimeSettings: (P, "regimes", "additionalProperties"),
    s.PerturbationSettings: ("$defs", "perturbation"),
    s.SelectSettings: (P, "select"),
    s.RetrieverTrainingSettings: (P, "retriever_training"),
    s.HardNegativeSettings: (P, "retriever_training", P, "hard_negatives"),
    s.GeneratorSettings: (P, "generators", "additionalProperties"),
    s.GeneratorTrainingSettings: (P, "generators", "additionalProperties", P, "training"),
    s.GenerationSettings: (P, "generation"),
    s.XqgSettings: (P, "xqg"),
    s.EncodingSettings: (P, "encoding"),
    s.SearchSettings: (P, "search"),
    s.SearchRecallSettings: (P, "search_recall"),
    s.AttackSettings: (P, "attacks"),
    s.ModelParaphraseSettings: (P, "attacks", P, "model_paraphrase"),
    s.NeighbourSynonymSettings: (P, "attacks", P, "neighbour_synonym"),
    s.AdversarialSettings: (P, "attacks", P, "adversarial"),
    s.GreedyAttackSettings: (P, "attacks", P, "adversarial", P, "greedy", "anyOf", 2),
    s.EvaluationSettings: (P, "evaluation"),
    s.StatisticsSettings: (P, "statistics"),
    s.StorageSettings: (P, "storage"),
    s.LabelSettings: (P, "labels"),
}


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_each_record_mirrors_its_schema_object_key_for_key(record):
    assert list(record._fields) == list(schema_at(*RECORDS[record])["properties"])
    assert record._field_defaults == {}  # every default is in the schema


def test_every_record_of_the_module_is_checked():
    records = {v for v in vars(s).values() if isinstance(v, type) and issubclass(v, tuple) and hasattr(v, "_fields")}
    assert records == set(RECORDS)


def test_snakemakes_params_trigger_sees_the_records():
    """Snakemake compares the repr of params of builtin types only (a dataclass would be skipped)."""
    settings = full_settings()
    for value in (settings.search, settings.attacks.model_paraphrase, settings.generators["mt5"], settings.labels,
                  settings.reference_table, settings.backbones["mbert"].encoder_fields()):
        assert PersistenceBase._serialize_param_builtin(None, value) == repr(value)
        assert PersistenceBase._serialize_param_builtin(None, value) is not UNREPRESENTABLE

    @dataclass(frozen=True)
    class FrozenDataclass:
        depth: int = 100

    assert PersistenceBase._serialize_param_builtin(None, FrozenDataclass()) is UNREPRESENTABLE  # why named tuples


def test_records_are_immutable_picklable_and_compare_by_value():
    settings = full_settings()
    with pytest.raises(AttributeError):
        settings.search.depth = 10  # type: ignore[misc]
    with pytest.raises(TypeError, match="read-only"):
        settings.backbones["other"] = settings.backbones["mbert"]
    with pytest.raises(TypeError, match="read-only"):
        settings.labels.backbones.update(mbert="x")
    assert pickle.loads(pickle.dumps(settings, protocol=4)) == settings  # scripts get params pickled
    assert copy.deepcopy(settings) == settings and hash(settings) == hash(full_settings())
    assert type(pickle.loads(pickle.dumps(settings.backbones))) is s.FrozenDict
    assert repr(settings.backbones["mbert"]).startswith("BackboneSettings(source='hub', model='bert-base-multilingual-cased'")
    assert repr(settings.attacks.model_paraphrase.budgets) == "(1, 2)"  # sequences are tuples, in config order


def test_the_encoder_fields_are_those_of_the_encoder_spec():
    from dataclasses import fields

    from xqg.encoder_spec import EncoderSpec

    backbone = full_settings().backbones["mbert"]
    assert set(backbone.encoder_fields()) == {f.name for f in fields(EncoderSpec)} - {"model"}
