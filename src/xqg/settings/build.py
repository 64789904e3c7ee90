"""The typed settings (xqg.settings.sections) from a validated config with its defaults filled in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xqg.languages import LANGUAGES
from xqg.settings import sections as s
from xqg.settings.cross_checks import resolved_recall_cutoffs


def frozen(value: Any) -> Any:
    """Lists as tuples and mappings as FrozenDicts, all the way down."""
    if isinstance(value, Mapping):
        return s.FrozenDict({key: frozen(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(frozen(item) for item in value)
    return value


def record(cls, section: Mapping, **fields: Any):
    """``cls`` from the section's keys (lists as tuples); ``fields`` replace or add values. Keys that do not
    apply to this section (``base`` of a template generator) are None."""
    unknown = set(section) - set(cls._fields)
    if unknown:  # the schema and the record disagree: a bug here, not a config problem
        raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
    values = {name: frozen(section.get(name)) for name in cls._fields}
    values.update(fields)
    return cls(**values)


def _data(section: Mapping) -> s.DataSettings:
    xor = section.get("xor_tydi")
    xor_tydi = None if xor is None else s.XorTydiSettings(
        files=s.FrozenDict({name: record(s.XorTydiFileSettings, entry) for name, entry in xor["files"].items()}),
        subcorpus=record(s.SubcorpusSettings, xor["subcorpus"]),
    )
    return record(s.DataSettings, section, embedded=record(s.EmbeddedDataSettings, section["embedded"]), xor_tydi=xor_tydi)


def _backbone(spec: Mapping) -> s.BackboneSettings:
    return record(s.BackboneSettings, spec)


def _perturbation(section: Mapping | None) -> s.PerturbationSettings | None:
    return None if section is None else record(s.PerturbationSettings, section)


def _generator(spec: Mapping) -> s.GeneratorSettings:
    training = spec.get("training")
    return record(s.GeneratorSettings, spec, perturb=_perturbation(spec.get("perturb")),
                  training=None if training is None else record(s.GeneratorTrainingSettings, training))


def _attacks(section: Mapping) -> s.AttackSettings:
    paraphrase = section["model_paraphrase"]
    greedy = section["adversarial"]["greedy"]
    return record(
        s.AttackSettings,
        section,
        model_paraphrase=None if paraphrase["model"] is None else record(s.ModelParaphraseSettings, paraphrase),
        neighbour_synonym=record(s.NeighbourSynonymSettings, section["neighbour_synonym"]),
        adversarial=s.AdversarialSettings(greedy=record(s.GreedyAttackSettings, greedy) if greedy else None),
    )


def _xqg(section: Mapping) -> s.XqgSettings:
    languages = section["fusion_languages"]
    return record(s.XqgSettings, section, fusion_languages=tuple(LANGUAGES if languages == "all" else languages))


def build_settings(config: Mapping) -> s.Settings:
    """The typed settings of a config that passed xqg.settings' checks (defaults filled in)."""
    labels = config["labels"]
    reference = config["reference_table"]
    return s.Settings(
        dataset=config["dataset"],
        results=config["results"],
        resources_dir=config["resources_dir"],
        allow_absolute_paths=config["allow_absolute_paths"],
        data=_data(config["data"]),
        languages=tuple(config["languages"]),
        backbones=s.FrozenDict({name: _backbone(spec) for name, spec in config["backbones"].items()}),
        regimes=s.FrozenDict({name: record(s.RegimeSettings, spec, perturb=_perturbation(spec["perturb"]))
                              for name, spec in config["regimes"].items()}),
        retriever_training=record(s.RetrieverTrainingSettings, config["retriever_training"],
                                  hard_negatives=record(s.HardNegativeSettings, config["retriever_training"]["hard_negatives"])),
        generators=s.FrozenDict({name: _generator(spec) for name, spec in config["generators"].items()}),
        generation=record(s.GenerationSettings, config["generation"]),
        xqg=_xqg(config["xqg"]),
        encoding=record(s.EncodingSettings, config["encoding"]),
        search=record(s.SearchSettings, config["search"]),
        search_recall=record(s.SearchRecallSettings, config["search_recall"],
                             cutoffs=resolved_recall_cutoffs(config["search_recall"]["cutoffs"], config["search"]["depth"])),
        attacks=_attacks(config["attacks"]),
        evaluation=record(s.EvaluationSettings, config["evaluation"]),
        statistics=record(s.StatisticsSettings, config["statistics"]),
        reference_table=None if reference is None else frozen(reference),
        select=s.SelectSettings(**{key: None if value is None else tuple(value) for key, value in config["select"].items()}),
        storage=record(s.StorageSettings, config["storage"]),
        labels=record(s.LabelSettings, labels or {"backbones": {}, "generators": {}}),
    )
