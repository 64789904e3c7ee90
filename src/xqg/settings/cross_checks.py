"""Checks that involve more than one key, or knowledge outside the schema (measure names).

Each check reads the config after schema validation and default filling, and is skipped where the
schema already found the keys it reads malformed (that problem is reported once, by the schema).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from xqg.settings.problems import Problem
from xqg.settings.schema_check import iter_keys

FORBIDDEN_KEY = "trust_remote_code"
BACKBONE_REFERENCE = "backbone:"
DEFAULT_RECALL_CUTOFFS = (10, 100)  # search_recall.cutoffs null: these, where <= search.depth
ATTACK_SECTIONS = {  # query-set attacks configured outside attacks.names
    "back_translation": "attacks.model_paraphrase",
    "greedy": "attacks.adversarial.greedy",
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _section(config: Mapping, *keys: str) -> Any:
    for key in keys:
        if not isinstance(config, Mapping) or key not in config:
            return None
        config = config[key]
    return config


def trust_remote_code(config: Mapping) -> Iterator[Problem]:
    """``trust_remote_code`` is refused wherever it appears: models are always loaded without it."""
    for key, _ in iter_keys(config):
        if key[-1] == FORBIDDEN_KEY:
            yield Problem(key, "not allowed: models are loaded with trust_remote_code=False, never running code from a model repository")


def generated_queries(config: Mapping) -> Iterator[Problem]:
    samples = _section(config, "generation", "samples_per_language")
    xqg = _section(config, "xqg")
    if not _is_int(samples) or not isinstance(xqg, Mapping):
        return
    if _is_int(xqg.get("k")) and xqg["k"] > samples:
        yield Problem(("xqg", "k"), f"{xqg['k']} exceeds generation.samples_per_language ({samples}): "
                                    "xqg.k of the generated queries per language are fused")
    sweep = xqg.get("k_sweep")
    for index, k in enumerate(sweep if isinstance(sweep, list) else []):
        if _is_int(k) and k > samples:
            yield Problem(("xqg", "k_sweep", index), f"{k} exceeds generation.samples_per_language ({samples})")


def recall_cutoffs(config: Mapping) -> Iterator[Problem]:
    depth = _section(config, "search", "depth")
    cutoffs = _section(config, "search_recall", "cutoffs")
    if not _is_int(depth) or not isinstance(cutoffs, list):
        return
    too_deep = [c for c in cutoffs if _is_int(c) and c > depth]
    if too_deep:
        yield Problem(("search_recall", "cutoffs"), f"{too_deep} must not exceed search.depth ({depth})")


def selection(config: Mapping) -> Iterator[Problem]:
    """``select.*`` picks among what is configured."""
    chosen = _section(config, "select")
    if not isinstance(chosen, Mapping):
        return
    for key in ("languages", "backbones", "regimes"):
        configured = _section(config, key)
        picked = chosen.get(key)
        if not isinstance(picked, list) or not isinstance(configured, (list, Mapping)):
            continue
        unknown = [name for name in picked if name not in configured]
        if unknown:
            yield Problem(("select", key), f"{unknown} not among the configured {key} {list(configured)}")


def resolved_recall_cutoffs(cutoffs: list[int] | None, depth: int) -> tuple[int, ...]:
    """The configured cutoffs, or for null the defaults that do not exceed the search depth."""
    if cutoffs is None:
        return tuple(c for c in DEFAULT_RECALL_CUTOFFS if c <= depth)
    return tuple(cutoffs)


def attack_names(config: Mapping) -> Iterator[Problem]:
    names = _section(config, "attacks", "names")
    for index, name in enumerate(names if isinstance(names, list) else []):
        if name in ATTACK_SECTIONS:
            yield Problem(("attacks", "names", index),
                          f"{name} is configured under {ATTACK_SECTIONS[name]}, not in attacks.names")


def chrf_bounds(config: Mapping) -> Iterator[Problem]:
    bounds = _section(config, "attacks", "model_paraphrase", "chrf_bounds")
    if isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(b, (int, float)) for b in bounds):
        if bounds[0] > bounds[1]:
            yield Problem(("attacks", "model_paraphrase", "chrf_bounds"), f"[low, high] expected, got {bounds}")


def measures(config: Mapping) -> Iterator[Problem]:
    names = _section(config, "evaluation", "measures")
    if not isinstance(names, list) or not names:
        return
    import ir_measures

    for index, name in enumerate(names):
        if not isinstance(name, str):
            continue
        try:
            measure = ir_measures.parse_measure(name)
        except (ValueError, NameError, SyntaxError, TypeError) as error:
            yield Problem(("evaluation", "measures", index), f"{name!r} is not an ir_measures measure ({error})")
            continue
        try:  # as xqg.evaluation.standard_measures computes it, on a one-query toy run
            list(ir_measures.pytrec_eval.iter_calc([measure], {"q": {"d": 1}}, {"q": {"d": 1.0}}))
        except ValueError as error:
            yield Problem(("evaluation", "measures", index), f"{name!r} is not computed by the pytrec_eval backend ({error})")


def regime_references(config: Mapping) -> Iterator[Problem]:
    regimes = _section(config, "regimes")
    if not isinstance(regimes, Mapping):
        return
    known = ", ".join(regimes)
    sweep = _section(config, "xqg", "sweep_regimes")
    for index, name in enumerate(sweep if isinstance(sweep, list) else []):
        if isinstance(name, str) and name not in regimes:
            yield Problem(("xqg", "sweep_regimes", index), f"{name!r} is not a configured regime (regimes: {known})")
    backbones = _section(config, "backbones")
    for backbone, spec in (backbones.items() if isinstance(backbones, Mapping) else []):
        checkpoints = spec.get("checkpoints") if isinstance(spec, Mapping) else None
        for regime in (checkpoints if isinstance(checkpoints, Mapping) else []):
            if regime not in regimes:
                yield Problem(("backbones", backbone, "checkpoints", regime),
                              f"{regime!r} is not a configured regime (regimes: {known})")
    reference = _section(config, "reference_table")
    for source, by_regime in (reference.items() if isinstance(reference, Mapping) else []):
        for regime in (by_regime if isinstance(by_regime, Mapping) else []):
            if regime not in regimes:
                yield Problem(("reference_table", source, regime), f"{regime!r} is not a configured regime (regimes: {known})")


def generator_bases(config: Mapping) -> Iterator[Problem]:
    backbones = _section(config, "backbones")
    generators = _section(config, "generators")
    if not isinstance(backbones, Mapping) or not isinstance(generators, Mapping):
        return
    for name, spec in generators.items():
        base = spec.get("base") if isinstance(spec, Mapping) else None
        if isinstance(base, str) and base.startswith(BACKBONE_REFERENCE):
            backbone = base[len(BACKBONE_REFERENCE):]
            if backbone not in backbones:
                yield Problem(("generators", name, "base"),
                              f"{base!r} names no configured backbone (backbones: {', '.join(backbones)})")


def neighbour_synonym_encoder(config: Mapping) -> Iterator[Problem]:
    """The neighbour_synonym attack needs an encoder; backbone:NAME must name a configured backbone."""
    names = _section(config, "attacks", "names")
    encoder = _section(config, "attacks", "neighbour_synonym", "encoder")
    key = ("attacks", "neighbour_synonym", "encoder")
    if isinstance(names, list) and "neighbour_synonym" in names and encoder is None:
        yield Problem(key, "neighbour_synonym is in attacks.names: set an encoder (backbone:NAME or a sentence encoder)")
    backbones = _section(config, "backbones")
    if isinstance(encoder, str) and encoder.startswith(BACKBONE_REFERENCE) and isinstance(backbones, Mapping):
        if encoder[len(BACKBONE_REFERENCE):] not in backbones:
            yield Problem(key, f"{encoder!r} names no configured backbone (backbones: {', '.join(backbones)})")


def xor_tydi_filenames(config: Mapping) -> Iterator[Problem]:
    files = _section(config, "data", "xor_tydi", "files")
    seen: dict[str, str] = {}
    for name, entry in (files.items() if isinstance(files, Mapping) else []):
        filename = entry.get("filename") if isinstance(entry, Mapping) else None
        if isinstance(filename, str):
            if filename in seen:
                yield Problem(("data", "xor_tydi", "files", name, "filename"),
                              f"{filename!r} is also the filename of data.xor_tydi.files.{seen[filename]}")
            seen.setdefault(filename, name)


def encoding_backend(config: Mapping) -> Iterator[Problem]:
    """ONNX Runtime computes in fp32 or int8: bf16 and fp16 are the torch backend's."""
    encoding = _section(config, "encoding") or {}
    backend, precision = encoding.get("backend"), encoding.get("precision")
    if str(backend).startswith("onnxruntime") and precision in ("bf16", "fp16"):
        yield Problem(("encoding", "precision"), f"{precision} needs backend torch; {backend} computes in fp32 or int8 (precision auto or fp32)")


def tevatron_training_data(config: Mapping) -> Iterator[Problem]:
    """Tevatron's training sets are XOR-TyDi and NQ files: they need the xor_tydi data source and, for
    each trained regime, its file (xor_train for multilingual, nq_train for english)."""
    if _section(config, "retriever_training", "data") != "tevatron":
        return
    key = ("retriever_training", "data")
    if _section(config, "data", "source") != "xor_tydi":
        yield Problem(key, "tevatron reads Tevatron's XOR-TyDi and NQ training files: it needs data.source xor_tydi "
                           "(the embedded data has none; use rebuild)")
        return
    files = _section(config, "data", "xor_tydi", "files") or {}
    regimes = _section(config, "regimes")
    trained = {spec.get("train") for spec in (regimes.values() if isinstance(regimes, Mapping) else [])
               if isinstance(spec, Mapping)}
    if "multilingual" in trained and not isinstance(files.get("xor_train"), Mapping):
        yield Problem(("data", "xor_tydi", "files", "xor_train"),
                      "missing: retriever_training.data tevatron trains the multilingual regime on Tevatron/xor-tydi "
                      "(eng_span/train JSONL)")


def defences(config: Mapping) -> Iterator[Problem]:
    """A perturbed regime trains (its queries are what is perturbed) and has no released checkpoint that
    would skip that training; a noisy generator perturbs another configured generator that is not noisy."""
    regimes = _section(config, "regimes")
    backbones = _section(config, "backbones")
    for name, spec in (regimes.items() if isinstance(regimes, Mapping) else []):
        if not isinstance(spec, Mapping) or spec.get("perturb") is None:
            continue
        if spec.get("train") is None:
            yield Problem(("regimes", name, "perturb"), "perturbs training queries, but the regime does not train "
                                                         "(train: null); set train or remove perturb")
        for backbone, backbone_spec in (backbones.items() if isinstance(backbones, Mapping) else []):
            checkpoints = backbone_spec.get("checkpoints") if isinstance(backbone_spec, Mapping) else None
            if isinstance(checkpoints, Mapping) and name in checkpoints:
                yield Problem(("backbones", backbone, "checkpoints", name),
                              f"regime {name!r} trains on perturbed queries (regimes.{name}.perturb): a released "
                              "checkpoint would skip that training")
    generators = _section(config, "generators")
    for name, spec in (generators.items() if isinstance(generators, Mapping) else []):
        if not isinstance(spec, Mapping) or spec.get("type") != "noisy" or not isinstance(spec.get("source"), str):
            continue
        source = generators.get(spec["source"])
        if source is None:
            yield Problem(("generators", name, "source"),
                          f"{spec['source']!r} is not a configured generator (generators: {', '.join(generators)})")
        elif isinstance(source, Mapping) and source.get("type") == "noisy":
            yield Problem(("generators", name, "source"), f"{spec['source']!r} is itself noisy; name the generator "
                                                           "whose clean queries this one perturbs")


CHECKS: tuple[Callable[[Mapping], Iterator[Problem]], ...] = (
    trust_remote_code, generated_queries, recall_cutoffs, selection, attack_names, chrf_bounds, measures, regime_references,
    generator_bases, neighbour_synonym_encoder, xor_tydi_filenames, encoding_backend, tevatron_training_data, defences,
)


def cross_key_problems(config: Mapping) -> list[Problem]:
    return [problem for check in CHECKS for problem in check(config)]
