"""xqg.settings.local_paths: local paths must exist at start; hub ids are checked for their form."""

from __future__ import annotations

from pathlib import Path

import pytest

from xqg.settings.local_paths import is_hub_id, local_path_problems, model_reference_problem


@pytest.mark.parametrize("value", ["bert-base-multilingual-cased", "xlm-roberta-base", "google/mt5-base",
                                   "sentence-transformers/LaBSE", "facebook/nllb-200-distilled-600M",
                                   "ielabgroup/xor-tydi-docTquery-mt5-base", "org_1/model.v2"])
def test_hub_ids(value):
    assert is_hub_id(value)


@pytest.mark.parametrize("value", ["bert base", "org/name/extra", "org//name", "-org/name", "org/name-", "org/na--me",
                                   "org/na..me", "org/name.git", "", "/abs", "x" * 97])
def test_not_hub_ids(value):
    assert not is_hub_id(value)


def test_model_references(tmp_path: Path):
    (tmp_path / "models" / "mt5").mkdir(parents=True)
    (tmp_path / "models" / "mt5" / "model.safetensors").touch()
    (tmp_path / "models" / "empty").mkdir()
    (tmp_path / "weights.bin").write_text("", encoding="utf-8")
    roots = {"results", "resources"}
    assert model_reference_problem("models/mt5", tmp_path, roots) is None  # exists: local
    assert model_reference_problem("google/mt5-base", tmp_path, roots) is None  # a hub id: not looked up
    assert model_reference_problem("models/mt6", tmp_path, roots) == f"no such local folder 'models/mt6' (resolved under {tmp_path})"
    assert model_reference_problem("resources/mt5", tmp_path, roots).startswith("no such local folder")  # the resources folder
    assert model_reference_problem("./mt5", tmp_path, roots).startswith("no such local folder")
    assert model_reference_problem("a/b/c", tmp_path, roots).startswith("no such local folder")
    assert model_reference_problem("weights.bin", tmp_path, roots) == "'weights.bin' is a file; a local model is a folder"
    assert model_reference_problem("models/empty", tmp_path, roots).endswith("models/empty holds no model weights (expected "
                                                                            "one of model.safetensors, model.safetensors."
                                                                            "index.json, pytorch_model.bin, pytorch_model"
                                                                            ".bin.index.json)")
    assert model_reference_problem("my model", tmp_path, roots) == (
        "'my model' is neither a local folder nor a hub id (org/name: letters, digits, '_', '-' and '.')")


def test_every_configured_local_path(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "corpus.tsv").write_text("", encoding="utf-8")
    config = {
        "results": "results", "resources_dir": "resources",
        "data": {"source": "xor_tydi", "xor_tydi": {"files": {"corpus": {"path": "data/corpus.tsv"},
                                                              "dev": {"path": "data/dev.jsonl"}, "nq": {"path": None}}}},
        "backbones": {"a": {"source": "local", "model": "data"}, "b": {"source": "local", "model": "data/corpus.tsv"},
                      "c": {"source": "hub", "model": "ok/id", "checkpoints": {"fine-tuned": "data/ckpt"}}},
        "generators": {"g": {"type": "trained", "base": "backbone:a"}, "r": {"type": "released", "paths": ["data"]}},
        "attacks": {"resources": {"synonym": {"ru": "th_ru.dat"}},
                    "model_paraphrase": {"model": "../mt", "similarity_model": "sentence-transformers/LaBSE"}},
    }
    found = [(p.dotted, p.message) for p in local_path_problems(config, tmp_path)]
    assert found == [
        ("data.xor_tydi.files.dev.path", f"no such file 'data/dev.jsonl' (a local file; resolved under {tmp_path})"),
        ("backbones.a.model", f"{tmp_path / 'data'} holds no model weights (expected one of model.safetensors, "
                              "model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json)"),
        ("backbones.b.model", "'data/corpus.tsv' is a file; a local model is a folder"),
        ("backbones.c.checkpoints.fine-tuned", f"no such local folder 'data/ckpt' (resolved under {tmp_path})"),
        ("generators.r.paths[0]", "'data' is not a file (a local file)"),
        ("attacks.resources.synonym.ru", f"no such file 'th_ru.dat' (a local file; resolved under {tmp_path})"),
    ]  # '../mt' leaves the working directory: xqg.settings.config_paths reports it
    config["data"]["source"] = "embedded"  # the XOR-TyDi files are then not used
    assert [p.dotted for p in local_path_problems(config, tmp_path)][0] == "backbones.a.model"
