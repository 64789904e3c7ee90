"""Config paths stay under the working directory unless allow_absolute_paths is set (xqg.settings.config_paths)."""

import pytest

from xqg.settings.config_paths import ConfigPathError, check_config_paths, configured_paths, path_problems

BASE = {"results": "results", "resources_dir": "resources"}


def test_finds_every_kind_of_path_key():
    config = {
        **BASE,
        "data": {"xor_tydi": {"files": {"corpus": {"url": "https://x/y.tsv", "path": "data/y.tsv"}, "nq": {"path": None}}}},
        "backbones": {"mbert": {"model": "bert-base-multilingual-cased", "checkpoints": {"fine-tuned": "org/ckpt"}}},
        "generators": {"mt5": {"base": "google/mt5-base", "paths": ["a.jsonl", "b.jsonl"]}, "b2b": {"base": "backbone:me5"}},
        "attacks": {"resources": {"synonym": {"ru": "thesauri/th_ru.dat"}}},
    }
    assert configured_paths(config) == [
        ("results", "results"), ("resources_dir", "resources"), ("data.xor_tydi.files.corpus.path", "data/y.tsv"),
        ("backbones.mbert.model", "bert-base-multilingual-cased"), ("backbones.mbert.checkpoints.fine-tuned", "org/ckpt"),
        ("generators.mt5.base", "google/mt5-base"), ("generators.mt5.paths.0", "a.jsonl"), ("generators.mt5.paths.1", "b.jsonl"),
        ("attacks.resources.synonym.ru", "thesauri/th_ru.dat"),
    ]
    check_config_paths(config)  # all relative: accepted


@pytest.mark.parametrize("key, value", [
    ("results", "/tmp/results"), ("resources_dir", "../shared"), ("resources_dir", "a/../../b"), ("results", "~/results"),
    ("results", ".."), ("results", " "),
])
def test_escaping_paths_are_refused_with_the_key_named(key, value):
    with pytest.raises(ConfigPathError, match=f"config key {key}:"):
        check_config_paths({**BASE, key: value})


def test_nested_path_is_named_in_full():
    config = {**BASE, "attacks": {"resources": {"synonym": {"ru": "/usr/share/mythes/th_ru_RU_v2.dat"}}}}
    with pytest.raises(ConfigPathError, match=r"attacks\.resources\.synonym\.ru: '/usr/share/mythes"):
        check_config_paths(config)
    check_config_paths({**config, "allow_absolute_paths": True})


def test_paths_inside_the_working_directory_pass():
    check_config_paths({**BASE, "results": "./out/../results", "resources_dir": "res/sub"})


def test_a_non_string_path_is_an_error():
    with pytest.raises(ConfigPathError, match="config key results: expected a path"):
        check_config_paths({**BASE, "results": 3})


def test_every_escaping_path_is_reported_at_once():
    config = {**BASE, "results": "/abs", "generators": {"g": {"paths": ["ok.jsonl", "../up.jsonl"]}}}
    assert [(p.key, p.message.split(" is ")[0]) for p in path_problems(config)] == [
        (("results",), "'/abs'"), (("generators", "g", "paths", 1), "'../up.jsonl'"),
    ]
    with pytest.raises(ConfigPathError) as error:
        check_config_paths(config)
    assert str(error.value).splitlines()[1].startswith("config key generators.g.paths[1]: '../up.jsonl'")
    assert path_problems({**config, "allow_absolute_paths": True}) == []
