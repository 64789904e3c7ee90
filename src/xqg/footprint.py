"""Plan a run before starting it: storage and GPU time of the full study from its config.

    python -m xqg.footprint config/xor_tydi.yaml [OVERLAY.yaml ...]

Throughputs are assumptions per GPU (stated below, override with flags), not measurements: no GPU was
available where this was written. Sizes follow the workflow's layouts exactly (float16 vectors).

It also plans each rule's job (:func:`plan_rules`, :func:`rule_memory`): the peak host memory of one job
at the configured scale, read from what the rule's script holds at once, with the SLURM profile's
``mem_mb`` beside it (tests/unit/test_footprint.py fails when the profile asks for less), the GPU memory
of the GPU rules and the disk one job writes. Every size and count it uses is an assumption stated
beside it; the CPython object sizes were measured (CPython 3.11) on synthetic data of the stated lengths.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import yaml

XOR_TYDI_PASSAGES = 18_003_200  # enwiki_20190201_w100.tsv (approximately 18M passages)
HIDDEN = {"bert-base-multilingual-cased": 768, "xlm-roberta-base": 768}


@dataclass(frozen=True)
class Throughput:
    """Per-GPU rates (A100-class, fp16) assumed for planning."""

    passages_per_s: float = 2500.0  # 128-token passages, base-size encoder
    queries_per_s: float = 15000.0  # ~20-token queries
    generated_passages_per_s: float = 40.0  # mT5-base, 35 sampled queries of <= 32 tokens each


def _gb(n_bytes: float) -> str:
    return f"{n_bytes / 1e9:,.0f} GB"


def fusion_ks(xqg: dict, regime: str) -> list[int]:
    """The ks whose generated-query sums a regime stores (as rules/common.smk's fusion_ks): xqg.k, and
    xqg.k_sweep in the sweep regimes."""
    sweep = xqg.get("k_sweep", []) if regime in xqg.get("sweep_regimes", []) else []
    return sorted({k for k in [xqg["k"], *sweep] if k > 0})


def footprint(config: dict, passages: int, rates: Throughput) -> list[tuple[str, str, str]]:
    """Rows (item, storage, GPU hours) for the configured grid."""
    backbones = config["backbones"]
    regimes = config["regimes"]
    xqg = config["xqg"]
    samples = config["generation"]["samples_per_language"]
    languages = 7 if xqg.get("fusion_languages", "all") == "all" else len(xqg["fusion_languages"])
    encoders = len(backbones) * len(regimes)
    dim = max(HIDDEN.get(b.get("model") or "", 768) for b in backbones.values())
    generators = len(config["generators"])
    # a noisy generator (noisy xQG, a defence) perturbs another's queries on a CPU and is not swept
    noisy = sum(1 for spec in config["generators"].values() if spec.get("type") == "noisy")
    swept = generators - noisy
    sweep_points = len(set(xqg.get("k_sweep", [])) - {xqg["k"]}) + len(set(xqg.get("alpha_sweep", [])) - {xqg["alpha"]})
    fused_indexes = len(backbones) * (len(regimes) * generators + len(xqg.get("sweep_regimes", [])) * swept * sweep_points)
    vector = dim * 2  # float16
    generated = passages * languages * samples
    shards = config["encoding"]["passage_shards"]
    # the per-k sums that fusion reads, one (passages, dim) array per encoder, generator and k
    sums = len(backbones) * sum(swept * len(fusion_ks(xqg, regime)) + noisy for regime in regimes)
    keep_raw = bool((config.get("storage") or {}).get("keep_generated_query_vectors"))
    raw = encoders * generators * generated * vector if keep_raw else generated / shards * vector
    rows = [
        ("passage vectors (per encoder)", _gb(passages * vector), f"{passages / rates.passages_per_s / 3600:,.1f}"),
        (f"passage vectors ({encoders} encoders)", _gb(encoders * passages * vector), f"{encoders * passages / rates.passages_per_s / 3600:,.1f}"),
        ("generated queries, text", _gb(generations := generators * generated * 80), f"{swept * passages / rates.generated_passages_per_s / 3600:,.1f}"),
        (f"generated-query sums per k ({sums}: {encoders} encoders x {generators} generators x the regime's ks)",
         _gb(sums * passages * vector), f"{encoders * generators * generated / rates.queries_per_s / 3600:,.1f}"),
        ((f"generated-query vectors, per query ({encoders} encoders x {generators} generators; kept)" if keep_raw else
          "generated-query vectors, per query (temp: one shard job's, deleted once summed)"), _gb(raw), "-"),
        (f"fused indexes ({fused_indexes}; temp-able)", _gb(fused_indexes * passages * vector), "-"),
        ("exact search memory per shard job", _gb(passages / shards * dim * 4), "-"),
    ]
    vectors_total = encoders * passages * vector + sums * passages * vector + fused_indexes * passages * vector
    rows.append(("vector storage (passages, sums, fused indexes)", _gb(vectors_total), "-"))
    total = vectors_total + generations + (raw if keep_raw else 0)
    rows.append(("total", _gb(total), "-"))
    # Table 1's fine-tuned mBERT rows from the released retriever and the released queries: no training and
    # no generation; one encoder encodes the passages and every generated query (search of the dev
    # questions is minutes on a GPU and left out)
    cheapest = (passages / rates.passages_per_s + generated / rates.queries_per_s) / 3600
    rows.append(("cheapest path to Table 1's fine-tuned mBERT rows (released retriever and queries)", "-",
                 f"{cheapest:,.1f}"))
    return rows


# ---------------------------------------------------------------------------------------------------
# Memory of one job per rule. Every figure is an assumption for planning, not a measurement of the
# full-scale run. Memory-mapped vector files are page cache, which the kernel writes back and reclaims
# within a job's cgroup limit: they are not counted; what is counted is what the scripts hold in Python
# objects and numpy/faiss/torch buffers at once.

MB = 1e6  # planned MB are 10^6 bytes; SLURM reads mem_mb as MiB (2^20 B): a profile value >= the plan holds
SAFETY = 1.5  # the one margin on every resident estimate (allocator fragmentation, transients not modelled)
PROCESS_MB = 2000  # added to every job: interpreter, torch, CUDA context and libraries
GPU_CARD_BYTES = 80e9  # an 80 GB A100/H100: GPU plans above it are flagged (GPU figures carry no margin)
PROFILE = Path(__file__).resolve().parents[2] / "profiles" / "slurm" / "config.yaml"

# CPython objects of one corpus passage (sizes measured on CPython 3.11; the lengths are assumptions)
PY_ID = 57  # a passage id of up to 8 digits as a str
PY_TITLE = 61  # an article title of ~12 characters as a str
# PY_TEXT: ~590 characters (DPR's w100 TSV: ~13 GB / 21M lines) take 649 B at 1 byte/char, or 1,258 B at 2 bytes/char
# in the ~30% of passages assumed to hold any non-Latin-1 character (en dash, IPA, a foreign script)
PY_TEXT = 840
PY_PASSAGE = PY_ID + PY_TITLE + PY_TEXT + 88  # + Passage namedtuple (64), list slot (8), malloc overhead (16)
SET_SLOT = 30  # one entry of iter_passages' duplicate-id set (src/xqg/formats.py) at ~18M entries
DICT_SLOT = 40  # one entry of a dict at ~18M entries
TSV_BYTES = 620  # one passage line of data/corpus.tsv on disk

# Parameter counts (assumptions; an unknown model counts as the largest of its kind)
PARAMS = {
    "bert-base-multilingual-cased": 178e6,
    "xlm-roberta-base": 278e6,
    "google/mt5-base": 582e6,
    "ielabgroup/xor-tydi-docTquery-mt5-base": 582e6,
    "facebook/nllb-200-distilled-600M": 615e6,
    "sentence-transformers/LaBSE": 471e6,
}
ENCODER_LAYERS, ENCODER_HEADS = 12, 12  # mBERT and XLM-R base (hidden size: HIDDEN)
MT5_DECODER_LAYERS, MT5_INNER, MT5_VOCAB = 12, 768, 250_112  # mT5-base: decoder layers, heads x d_kv, vocabulary
NLLB_DECODER_LAYERS, NLLB_INNER, NLLB_VOCAB = 12, 1024, 256_206  # NLLB-200-distilled-600M

# neighbour_lexicon (assumptions): one language's candidate words from the encoder's vocabulary, and the
# distinct content words of its dev questions (one job builds the languages' lexicons one after another)
LEXICON_CANDIDATES, LEXICON_QUERY_WORDS = 100_000, 3_000

# Data the rules read besides the corpus (assumptions)
DEV_QUESTIONS, DEV_QUESTIONS_MAX_LANGUAGE = 2110, 360  # XOR-TyDi dev v1.1; Finnish has the most
NQ_TRAINING_QUERIES = 58_600  # Tevatron/wikipedia-nq train, the larger of the two retriever training sets
TEVATRON_PASSAGES_PER_QUERY = 30  # positives and BM25 negatives with their text, per training record
# prepare_xor_tydi's matcher: ~105k gold paragraphs and NQ positives x ~115 8-grams; each a str, dict slot, list
REFERENCE_NGRAMS, NGRAM_ENTRY = 12e6, 220
GENERATED_QUERY_BYTES = 80  # one generated query in the JSONL, as the storage rows above
GENERATED_INDEX = 190  # measured: one (passage, language) entry of encode_generated_queries' first-pass index
TREC_LINE_READ, TREC_LINE_DISK = 231, 85  # measured peak bytes a run line in read_trec_run; bytes a line on disk
RUN_ENTRY = 88  # one (passage id, score) tuple of search.py's run dict: tuple 56 + float 24 + slot 8
TOKENS_PER_PASSAGE = 120  # word_tokenize tokens of a 100-word passage
TOKENISED_PASSAGE = 9000  # measured 8,860: its token strs in a list and their joined string; + cache entries
DISTINCT_SHARE = 0.1  # distinct passages among those a language's queries score (attacked variants retrieve alike)
BM25_TOKENS, BM25_VOCAB_BYTES = 60, 1.3e9  # tokens a passage after English stopwords; bm25s vocabulary, ~10M words
FUSE_BLOCK_ROWS = 65536  # xqg.fusion.fuse_vector_files' block_rows
FAISS_TEMP = 1.5e9  # faiss StandardGpuResources' scratch memory per index


@dataclass(frozen=True)
class RulePlan:
    """One job of a rule: resident host memory at its peak (before SAFETY), GPU memory, disk written."""

    memory: float  # bytes
    scales: bool  # whether memory grows with the passage count
    runs: bool  # whether this config's DAG has the rule
    holds: str  # what dominates the peak
    gpu: float | None = None  # bytes, for GPU jobs
    disk: float | None = None  # bytes one job writes


def planned_mb(resident_bytes: float) -> float:
    """The memory to ask for: the resident estimate with the margin and the process."""
    return SAFETY * resident_bytes / MB + PROCESS_MB


def _params(model: str | None, default: float) -> float:
    return PARAMS.get(model or "", default)


def _activation(seq: int, hidden: int) -> float:
    """Training activations per token and layer in fp16 (Korthikanti et al. 2022, no recomputation)."""
    return hidden * (34 + 5 * ENCODER_HEADS * seq / hidden)


def _decoding_row(src: int, new: int, layers: int, inner: int, vocab: int, width: int = 4) -> float:
    """GPU bytes of one sampled row: cross- and self-attention KV cache and its copy of the encoder states
    at ``width`` bytes a value (4 fp32, 2 under bf16 autocast), and three vocabulary-wide logits rows (model
    output, generate's float copy, the sampler's mask; taken as fp32 either way)."""
    return width * (2 * layers * src * inner + 2 * layers * new * inner + src * inner) + 4 * 3 * vocab


def plan_rules(config: dict, passages: int) -> dict[str, RulePlan]:
    """Every rule whose job's memory depends on the corpus or on a model, planned for ``passages``."""
    n = passages
    backbones = config["backbones"]
    encoding = config.get("encoding", {})
    search = config.get("search", {})
    generation = config.get("generation", {})
    xqg = config.get("xqg", {})
    attacks = config.get("attacks", {})
    training = config.get("retriever_training", {})
    generators = config.get("generators", {})
    shards = encoding.get("passage_shards", 1)
    n_s = math.ceil(n / shards)  # passages of one shard job
    dim = max(HIDDEN.get(b.get("model") or "", 768) for b in backbones.values())
    encoder = max(_params(b.get("model"), max(PARAMS[m] for m in HIDDEN)) for b in backbones.values())
    L = 7 if xqg.get("fusion_languages", "all") == "all" else len(xqg["fusion_languages"])
    S = generation.get("samples_per_language", 5)
    k = max([xqg.get("k", S), *xqg.get("k_sweep", [])])
    depth = search.get("depth", 100)
    gpu_search = bool(search.get("use_gpu", False))
    max_passage = max(b.get("max_passage_length", 128) for b in backbones.values())
    max_query = max(b.get("max_query_length", 32) for b in backbones.values())
    batch = encoding.get("batch_size", 64)
    greedy = (attacks.get("adversarial") or {}).get("greedy") or None
    paraphrase = attacks.get("model_paraphrase") or {}
    budgets, samples = len(attacks.get("budgets", [])), attacks.get("samples", 1)
    # query sets of a main system, per dev question: clean, rule attacks x budgets x samples,
    # back-translation budgets x samples, one greedy query per system and budget
    sets = (1 + len(attacks.get("names", [])) * budgets * samples
            + (len(paraphrase.get("budgets", [])) * samples if paraphrase.get("model") else 0)
            + ((1 + len(generators)) * budgets if greedy else 0))
    queries, queries_lang = DEV_QUESTIONS * sets, DEV_QUESTIONS_MAX_LANGUAGE * sets
    shard_f32 = n_s * dim * 4  # one shard's vectors as float32 (faiss's input and a flat index)
    shard_ids = n_s * (PY_ID + 8 + 8 + DICT_SLOT)  # its ids: list, object array, read_ids' duplicate check
    encoder_gpu = encoder * 4 + batch * max_passage * dim * 16  # fp32 weights, one layer's fp16 activations
    sampled = [g for g in generators.values() if g.get("type") in ("pretrained", "trained")]
    generator = max((_params(g.get("model") or g.get("base"), PARAMS["google/mt5-base"]) for g in sampled),
                    default=PARAMS["google/mt5-base"])
    trained = [g for g in generators.values() if g.get("type") == "trained"]
    gtrain = {"batch_size": 8, "max_input_length": 128, "max_target_length": 64, "precision": "fp32",
              **(trained[0].get("training") or {} if trained else {})}  # defaults: GeneratorTrainingConfig's
    rebuild = training.get("data") == "rebuild"
    distractors = (config.get("data", {}).get("xor_tydi", {}).get("subcorpus") or {}).get("distractors")
    plan: dict[str, RulePlan] = {}

    plan["prepare_xor_tydi"] = RulePlan(
        # streams the corpus twice; each pass's duplicate-id set grows to every id; the matcher's n-grams
        n * (PY_ID + SET_SLOT) + REFERENCE_NGRAMS * NGRAM_ENTRY
        + (n * 8 if distractors is not None else 0),  # numpy's choice of distractors
        True, config.get("data", {}).get("source") == "xor_tydi",
        "streamed; iter_passages' set of every id, gold-paragraph n-grams", disk=n * TSV_BYTES)
    tokens = BM25_TOKENS * 9 + 56  # one passage's bm25s token ids (list slots; the ints are the vocabulary's)
    plan["mine_hard_negatives"] = RulePlan(
        # read_passages, by_id, token ids, then the larger of the 'title text' strings and the index arrays
        n * (PY_PASSAGE + SET_SLOT + DICT_SLOT + tokens) + max(n * (PY_TEXT + 30), n * BM25_TOKENS * 20)
        + BM25_VOCAB_BYTES,
        True, rebuild, "whole corpus as Passages + bm25s tokens and index")
    training_text = NQ_TRAINING_QUERIES * TEVATRON_PASSAGES_PER_QUERY * (PY_TITLE + PY_TEXT + 64)
    passage_tokens = training.get("batch_size", 128) * (1 + training.get("negatives_per_query", 7)) * max_passage
    query_tokens = training.get("batch_size", 128) * max_query
    fp32 = 2 if training.get("precision") == "fp32" else 1
    plan["train_retriever"] = RulePlan(
        # Tevatron records with their passages' text; weights + AdamW state staged for a checkpoint
        training_text + encoder * 16 + (n * (PY_PASSAGE + SET_SLOT + DICT_SLOT + 56) if rebuild else 0),
        rebuild, any((r or {}).get("train") for r in config.get("regimes", {}).values()),
        "training records" + (" + whole corpus (rebuild)" if rebuild else ""),
        gpu=encoder * 16 + fp32 * ENCODER_LAYERS * (passage_tokens * _activation(max_passage, dim)
                                                    + query_tokens * _activation(max_query, dim)),
        disk=encoder * 20)  # the model, and a checkpoint of weights + AdamW state
    g_fp32 = 2 if gtrain["precision"] == "fp32" else 1
    plan["train_generator"] = RulePlan(
        # {id: Passage} of the corpus, the vocabulary list of every 'title text', the model on the CPU
        n * (PY_PASSAGE + DICT_SLOT) + n * (PY_TEXT + 30) + generator * 4,
        True, bool(trained), "whole corpus as Passages + a 'title text' str per passage",
        # weights + grads + AdamW; activations of the input through mT5's 12 encoder layers and of the target
        # through its 12 decoder layers (twice: self- and cross-attention); fp32 logits, their softmax and grad
        gpu=generator * 16 + gtrain["batch_size"] * (
            g_fp32 * MT5_DECODER_LAYERS * dim * 34 * (gtrain["max_input_length"] + 2 * gtrain["max_target_length"])
            + gtrain["max_target_length"] * MT5_VOCAB * 4 * 3),
        disk=generator * 20)
    rows = generation.get("batch_size", 8) * L * S  # decoding rows of one generate call
    plan["generate_queries"] = RulePlan(
        # read_passage_shard streams: iter_passages' id set up to the shard's end, the shard as Passages
        # and its to-do lists, the model
        n * (PY_ID + SET_SLOT) + n_s * (PY_PASSAGE + 16) + generator * 4,
        True, bool(generators), "streamed; the shard as Passages, iter_passages' id set",
        gpu=generator * 4 + rows * _decoding_row(generation.get("max_input_length", 256),
                                                 generation.get("max_new_tokens", 32),
                                                 MT5_DECODER_LAYERS, MT5_INNER, MT5_VOCAB,
                                                 2 if generation.get("precision") == "bf16" else 4) if sampled else None,
        disk=n_s * L * S * GENERATED_QUERY_BYTES)
    plan["generation_quality"] = RulePlan(
        # {id: title} of the corpus while iter_passages' id set fills; the queries are tallied, not kept
        n * (PY_ID + PY_TITLE + DICT_SLOT + SET_SLOT),
        True, bool(generators), "streamed; {id: title} of the corpus")
    plan["encode_passages"] = RulePlan(
        # streamed in chunks of 8192; iter_passages' id set grows to the shard's end (all ids for the last)
        n * (PY_ID + SET_SLOT) + encoder * 4,
        True, True, "streamed; iter_passages' set of ids up to the shard", gpu=encoder_gpu, disk=n_s * dim * 2)
    ks = max((len(fusion_ks(xqg, regime)) for regime in config.get("regimes", {})), default=1) if "k" in xqg else 1
    plan["encode_generated_queries"] = RulePlan(
        # the first pass's (passage, language) index of one shard (vectors go to memory maps); then the
        # sums: every language's ids, one block of every language's first k samples in float32 with
        # np.where's copy, and the block's sums
        max(n_s * L * GENERATED_INDEX, n_s * L * (PY_ID + 8 + DICT_SLOT)
            + FUSE_BLOCK_ROWS * dim * 4 * (2 * L * k + ks)) + encoder * 4,
        True, bool(generators), "index of the shard's (passage, language) records",
        gpu=encoder_gpu, disk=n_s * L * S * dim * 2 + n_s * ks * dim * 2)  # per-query vectors (temp) and sums
    plan["encode_queries"] = RulePlan(
        encoder * 4, False, True, "the model; one query set at a time", gpu=encoder_gpu)
    plan["fuse_passage_embeddings"] = RulePlan(
        # ids of the shard (passages, sums, the row map) and the row index; one block of passages, sums
        # and the fused result in float32
        n_s * (3 * (PY_ID + 8 + DICT_SLOT) + 8) + FUSE_BLOCK_ROWS * dim * 4 * 4,
        True, bool(generators), "the shard's ids; one block of sums", disk=n_s * dim * 2)
    plan["back_translate_queries"] = RulePlan(
        (_params(paraphrase.get("model"), PARAMS["facebook/nllb-200-distilled-600M"])
         + _params(paraphrase.get("similarity_model"), PARAMS["sentence-transformers/LaBSE"])) * 4,
        False, bool(paraphrase.get("model")), "the MT and similarity models, loaded on the CPU first",
        gpu=(_params(paraphrase.get("model"), PARAMS["facebook/nllb-200-distilled-600M"])
             + _params(paraphrase.get("similarity_model"), PARAMS["sentence-transformers/LaBSE"])) * 4
        + paraphrase.get("batch_size", 32) * _decoding_row(paraphrase.get("max_input_length", 128),
                                                          paraphrase.get("max_new_tokens", 64),
                                                          NLLB_DECODER_LAYERS, NLLB_INNER, NLLB_VOCAB))
    lexicon = (attacks.get("neighbour_synonym") or {}).get("encoder") or ""
    lexicon_encoder = encoder if lexicon.startswith("backbone:") else _params(lexicon, PARAMS["sentence-transformers/LaBSE"])
    plan["neighbour_lexicon"] = RulePlan(
        # the encoder; the candidate and query words' float32 vectors (768-d at most) and their similarities
        lexicon_encoder * 4 + (LEXICON_CANDIDATES + LEXICON_QUERY_WORDS) * (768 * 4 + PY_ID)
        + LEXICON_QUERY_WORDS * LEXICON_CANDIDATES * 4,
        False, "neighbour_synonym" in attacks.get("names", []), "the encoder; one language's word vectors",
        gpu=lexicon_encoder * 4 + encoding.get("batch_size", 64) * 16 * 768 * 16)
    pool = (greedy or {}).get("pool_depth")
    plan["greedy_attack"] = RulePlan(
        # per system: one shard as float32 (+ the CPU index), its ids; each system's re-ranking pools
        # (gold + top pool_depth per question) and the merge's copies; without a pool, the whole index
        ((1 if gpu_search else 2) * shard_f32 + n_s * (PY_ID + 8 + DICT_SLOT) + encoder * 4
         + ((1 + len(generators)) + 2) * DEV_QUESTIONS_MAX_LANGUAGE * (pool or 0) * dim * 4
         + (0 if pool else n * dim * 4)),
        True, bool(greedy), "one shard in float32 for the re-ranking pools",
        gpu=encoder_gpu + (shard_f32 + FAISS_TEMP if gpu_search else 0))
    plan["search"] = RulePlan(
        # shard side: the float32 copy (+ the new and the previous CPU index), ids of two shards;
        # query side: every query vector (float16 + float32), the kept top-depth scores and ids (then as
        # lists), one language's run as (id, score) tuples while the previous language's is dropped
        (3 if not gpu_search else 1) * shard_f32 + 2 * shard_ids
        + queries * dim * 6 + queries * depth * 20 + 2 * queries_lang * depth * RUN_ENTRY,
        True, True, "one shard in float32; every query set's top-depth results",
        gpu=2 * (shard_f32 + FAISS_TEMP) + queries_lang * depth * 12 if gpu_search else None,
        disk=queries * depth * TREC_LINE_DISK)
    plan["search_recall"] = RulePlan(
        # as search's shard side; the sampled queries are few
        (3 if not gpu_search else 1) * shard_f32 + 2 * shard_ids,
        True, search.get("index", "flat") != "flat", "one shard in float32",
        gpu=2 * (shard_f32 + FAISS_TEMP) if gpu_search else None)
    budget_passages = max(config.get("evaluation", {}).get("token_budgets", [5000])) / TOKENS_PER_PASSAGE
    ranked = min(n, queries * depth * DISTINCT_SHARE)  # distinct passages the system's runs rank
    plan["evaluate"] = RulePlan(
        # iter_passages' id set over the corpus, {id: text} of the ranked passages, the largest language's
        # run, its tokenised passages
        n * (PY_ID + SET_SLOT) + ranked * (PY_ID + PY_TEXT + DICT_SLOT + SET_SLOT) + queries_lang * depth * TREC_LINE_READ
        + queries_lang * budget_passages * DISTINCT_SHARE * TOKENISED_PASSAGE,
        True, True, "the ranked passages' text + one language's run")
    return plan


def rule_memory(config: dict, passages: int) -> dict[str, float]:
    """MB to ask for, per rule: :func:`planned_mb` of each rule's resident peak at ``passages``."""
    return {rule: planned_mb(plan.memory) for rule, plan in plan_rules(config, passages).items()}


def profile_memory(profile: dict, rule: str) -> int:
    """A rule's mem_mb in a SLURM profile: set-resources, else default-resources."""
    resources = (profile.get("set-resources") or {}).get(rule) or {}
    return int(resources.get("mem_mb", (profile.get("default-resources") or {}).get("mem_mb", 0)))


def _rule_rows(config: dict, passages: int, profile: dict | None) -> list[tuple[str, ...]]:
    rows = []
    for rule, plan in plan_rules(config, passages).items():
        planned = planned_mb(plan.memory)
        asked = profile_memory(profile, rule) if profile is not None else None
        gpu = "-" if plan.gpu is None else f"{plan.gpu / 1e9:,.1f}" + (" !" if plan.gpu > GPU_CARD_BYTES else "")
        rows.append((rule, "yes" if plan.runs else "no", f"{planned:,.0f}",
                     "-" if asked is None else f"{asked:,}" + (" LOW" if asked < planned else ""),
                     gpu, "-" if plan.disk is None else f"{plan.disk / 1e9:,.1f}", plan.holds))
    return rows


def overlay(base: dict, update: dict) -> dict:
    """Merge ``update`` into ``base`` in place as Snakemake merges config files: nested mappings key by key,
    anything else replaced."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            overlay(base[key], value)
        else:
            base[key] = value
    return base


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="+", help="config files, later ones overlaid on earlier ones as Snakemake's "
                                                  "--configfile merges them (e.g. config/xor_tydi.yaml config/rehearsal.yaml)")
    parser.add_argument("--passages", type=int, default=XOR_TYDI_PASSAGES, help="collection size (default: XOR-TyDi's)")
    parser.add_argument("--passages-per-s", type=float, default=Throughput.passages_per_s)
    parser.add_argument("--queries-per-s", type=float, default=Throughput.queries_per_s)
    parser.add_argument("--generated-passages-per-s", type=float, default=Throughput.generated_passages_per_s)
    parser.add_argument("--profile", type=Path, default=PROFILE, help="SLURM profile whose mem_mb is shown beside the plan")
    args = parser.parse_args(argv)
    config: dict = {}
    for path in args.config:
        with open(path, encoding="utf-8") as handle:
            overlay(config, yaml.safe_load(handle) or {})
    rates = Throughput(args.passages_per_s, args.queries_per_s, args.generated_passages_per_s)
    rows = footprint(config, args.passages, rates)
    width = max(len(item) for item, _, _ in rows)
    print(f"{'item':<{width}} {'storage':>12} {'GPU hours':>10}")
    for item, storage, hours in rows:
        print(f"{item:<{width}} {storage:>12} {hours:>10}")
    print(f"(assumed per-GPU rates: {rates.passages_per_s:g} passages/s, {rates.queries_per_s:g} queries/s, "
          f"{rates.generated_passages_per_s:g} passages/s generated; override with flags)")
    profile = yaml.safe_load(args.profile.read_text(encoding="utf-8")) if args.profile.is_file() else None
    header = ("rule", "in DAG", "planned MB", "profile MB", "GPU GB", "disk/job GB", "peak holds")
    table = [header, *_rule_rows(config, args.passages, profile)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    print(f"\nmemory of one job per rule at {args.passages:,} passages (planned = {SAFETY:g} x resident + "
          f"{PROCESS_MB} MB; profile: {args.profile if profile is not None else 'not found'})")
    for row in table:
        cells = [row[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(row[1:-1], widths[1:]))]
        print("  ".join([*cells, row[-1]]))
    print(f"(LOW: the profile asks for less than planned; GPU !: over {GPU_CARD_BYTES / 1e9:.0f} GB, GPU figures carry "
          "no margin; the assumptions are the constants in xqg/footprint.py)")


if __name__ == "__main__":
    main()
