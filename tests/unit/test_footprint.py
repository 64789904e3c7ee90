"""xqg.footprint: the planner's rows for the full study follow its grid and the stated rates, and the
SLURM profile asks each rule for at least its planned memory at 18M passages."""

from __future__ import annotations

import math

import pytest
import yaml

from tests.helpers.paths import ROOT
from xqg.footprint import (
    PROCESS_MB,
    SAFETY,
    XOR_TYDI_PASSAGES,
    Throughput,
    footprint,
    plan_rules,
    planned_mb,
    profile_memory,
    rule_memory,
)


def test_the_full_study_and_its_cheapest_path():
    config = yaml.safe_load((ROOT / "config" / "xor_tydi.yaml").read_text(encoding="utf-8"))
    rows = {item: (storage, hours) for item, storage, hours in footprint(config, XOR_TYDI_PASSAGES, Throughput())}
    # 2 backbones x 3 regimes (zero-shot, fine-tuned, perturbation-tuned: a defence): 18M x 768 x 2 bytes x 6
    assert rows["passage vectors (6 encoders)"] == ("166 GB", "12.0")  # 18M / 2500/s each
    generated = XOR_TYDI_PASSAGES * 7 * 5  # 630M queries
    cheapest = (XOR_TYDI_PASSAGES / 2500 + generated / 15000) / 3600
    assert rows["cheapest path to Table 1's fine-tuned mBERT rows (released retriever and queries)"] == ("-", f"{cheapest:,.1f}")
    # mt5-noisy (a defence) perturbs mt5's queries on a CPU: GPU time for one generator only
    assert rows["generated queries, text"][1] == f"{XOR_TYDI_PASSAGES / 40 / 3600:,.1f}"
    # sums per backbone: mt5 at k=5 in zero-shot and perturbation-tuned, k=1..5 in fine-tuned (the sweep),
    # mt5-noisy at k=5 in each regime: 10, x 2 backbones. Fused indexes per backbone: 2 generators x 3
    # regimes + 4 sweep points (mt5 only): 10, x 2. Each 18M x 768 x 2 bytes; the per-query vectors are one
    # shard job's at a time (temp)
    one = XOR_TYDI_PASSAGES * 768 * 2
    assert rows["generated-query sums per k (20: 6 encoders x 2 generators x the regime's ks)"][0] == f"{20 * one / 1e9:,.0f} GB"
    assert rows["fused indexes (20; temp-able)"][0] == f"{20 * one / 1e9:,.0f} GB"
    assert rows["vector storage (passages, sums, fused indexes)"][0] == f"{46 * one / 1e9:,.0f} GB"
    assert rows["generated-query vectors, per query (temp: one shard job's, deleted once summed)"][0] == \
        f"{generated / 16 * 768 * 2 / 1e9:,.0f} GB"


def test_the_defences_take_the_full_study_past_one_terabyte_of_vectors():
    """Issue 13's target (the full study's vectors within 1 TB) holds for the paper's grid; the defences
    (a third regime and a second generator) add 18 vector sets of 28 GB, which the plan states."""
    config = yaml.safe_load((ROOT / "config" / "xor_tydi.yaml").read_text(encoding="utf-8"))
    del config["regimes"]["perturbation-tuned"], config["generators"]["mt5-noisy"]
    rows = {item: storage for item, storage, _ in footprint(config, XOR_TYDI_PASSAGES, Throughput())}
    one = XOR_TYDI_PASSAGES * 768 * 2
    assert rows["vector storage (passages, sums, fused indexes)"] == f"{28 * one / 1e9:,.0f} GB" and 28 * one <= 1e12
    assert 46 * one > 1e12


def test_keeping_the_per_query_vectors_is_planned_as_their_full_size():
    config = yaml.safe_load((ROOT / "config" / "xor_tydi.yaml").read_text(encoding="utf-8"))
    config["storage"] = {"keep_generated_query_vectors": True}
    rows = {item: storage for item, storage, _ in footprint(config, XOR_TYDI_PASSAGES, Throughput())}
    kept = 6 * 2 * XOR_TYDI_PASSAGES * 35 * 768 * 2
    assert rows["generated-query vectors, per query (6 encoders x 2 generators; kept)"] == f"{kept / 1e9:,.0f} GB"


# ---- per-rule memory (issue 13): the SLURM profile must ask for at least the planned footprint ----

FULL_STUDY = ROOT / "config" / "xor_tydi.yaml"
SLURM_PROFILE = ROOT / "profiles" / "slurm" / "config.yaml"


def _full_study() -> dict:
    return yaml.safe_load(FULL_STUDY.read_text(encoding="utf-8"))


def test_the_slurm_profile_asks_for_at_least_each_rules_planned_memory_at_18m_passages():
    profile = yaml.safe_load(SLURM_PROFILE.read_text(encoding="utf-8"))
    planned = rule_memory(_full_study(), XOR_TYDI_PASSAGES)
    short = {rule: (profile_memory(profile, rule), round(mb)) for rule, mb in planned.items()
             if profile_memory(profile, rule) < mb}
    assert not short, f"profiles/slurm/config.yaml mem_mb below the planned footprint (asked, planned MB): {short}"


def test_profile_memory_falls_back_to_the_default_resources():
    profile = {"default-resources": {"mem_mb": 8000},
               "set-resources": {"search": {"mem_mb": 96000}, "other": {"runtime": 5}}}
    assert profile_memory(profile, "search") == 96000
    assert profile_memory(profile, "other") == 8000
    assert profile_memory(profile, "absent") == 8000


def test_the_search_jobs_memory_by_hand():
    """search at 18M passages, 16 shards, faiss on the GPU: one shard as float32 on the host, the ids of
    two shards, and the query side of a main system (2110 dev questions x 207 query sets, depth 500)."""
    shard = math.ceil(18_003_200 / 16)  # 1,125,200 passages
    assert shard == 1_125_200
    vectors = shard * 768 * 4  # float32 copy for faiss: 3.46 GB
    ids = 2 * shard * (57 + 8 + 8 + 40)  # id strs, list and object-array slots, read_ids' dict; two shards
    # clean, rule attacks, back-translation, greedy (3 systems: plain, mt5, mt5-noisy; x 2 budgets)
    sets = 1 + 9 * 2 * 10 + 2 * 10 + 3 * 2
    assert sets == 207
    queries, fi = 2110 * sets, 360 * sets
    query_side = queries * 768 * 6 + queries * 500 * 20 + 2 * fi * 500 * 88
    plan = plan_rules(_full_study(), XOR_TYDI_PASSAGES)["search"]
    assert plan.memory == pytest.approx(vectors + ids + query_side)
    assert plan.memory == pytest.approx(16_649_005_760)
    assert rule_memory(_full_study(), XOR_TYDI_PASSAGES)["search"] == pytest.approx(SAFETY * 16_649.00576 + PROCESS_MB)


def test_generate_queries_holds_its_shard_not_the_corpus():
    """read_passage_shard streams: the id set of iter_passages over the corpus, the shard's Passages."""
    n = XOR_TYDI_PASSAGES
    shard = math.ceil(n / 16)
    expected = n * (57 + 30) + shard * (57 + 61 + 840 + 88 + 16) + 582e6 * 4  # + to-do lists, mT5 on the CPU
    assert plan_rules(_full_study(), n)["generate_queries"].memory == pytest.approx(expected)


@pytest.mark.parametrize("passages", [1_000_000, XOR_TYDI_PASSAGES])
def test_memory_grows_with_the_passage_count_exactly_for_the_rules_marked_so(passages):
    config = _full_study()
    small, large = plan_rules(config, passages), plan_rules(config, 2 * passages)
    scaling = {rule for rule, plan in small.items() if plan.scales}
    assert {"prepare_xor_tydi", "generate_queries", "generation_quality", "encode_passages", "search",
            "fuse_passage_embeddings", "evaluate"} <= scaling
    for rule, plan in small.items():
        if plan.scales:
            assert large[rule].memory > plan.memory, rule
        else:
            assert large[rule].memory == plan.memory, rule


def test_rules_with_the_whole_corpus_in_memory_grow_by_at_least_a_kilobyte_a_passage():
    config = _full_study()
    small, large = plan_rules(config, 1_000_000), plan_rules(config, 2_000_000)
    for rule in ("train_generator", "mine_hard_negatives"):
        assert large[rule].memory - small[rule].memory >= 900 * 1_000_000, rule


def test_overlay_configs_merge_as_snakemake_merges_them(capsys):
    from xqg.footprint import main, overlay

    assert overlay({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": 3}, "d": [2]}) == {"a": {"b": 3, "c": 2}, "d": [2]}
    main([str(FULL_STUDY), str(ROOT / "config" / "rehearsal.yaml")])
    printed = capsys.readouterr().out
    # the overlay's encoding.passage_shards (2) over the full study's 16: one shard of 18M passages in float32
    search = next(line for line in printed.splitlines() if line.startswith("exact search memory per shard job"))
    assert search.split()[-3:-1] == [f"{XOR_TYDI_PASSAGES / 2 * 768 * 4 / 1e9:,.0f}", "GB"]
