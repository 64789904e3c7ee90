"""xqg.model_cache: entries built once, published whole, in the right place."""

from __future__ import annotations

import pytest

from xqg.model_cache import build_once, cache_root, safe_name


def test_cache_root(tmp_path, monkeypatch):
    model = tmp_path / "models" / "me5"
    model.mkdir(parents=True)
    monkeypatch.delenv("XQG_TEST_CACHE", raising=False)
    assert cache_root(str(model), "onnx", "XQG_TEST_CACHE") == model.with_name("me5.onnx")
    assert cache_root("intfloat/multilingual-e5-small", "onnx", "XQG_TEST_CACHE").parent.name == "onnx"
    monkeypatch.setenv("XQG_TEST_CACHE", str(tmp_path / "cache"))
    assert cache_root(str(model), "onnx", "XQG_TEST_CACHE") == tmp_path / "cache" / safe_name(str(model))
    assert safe_name("intfloat/multilingual-e5-small").startswith("multilingual-e5-small-")


def test_build_once_publishes_whole_entries(tmp_path):
    built = []

    def build(folder):
        built.append(folder)
        (folder / "done").write_text("x")

    complete = lambda entry: (entry / "done").is_file()
    entry = build_once(tmp_path, "key", complete, build)
    assert entry == tmp_path / "key" and (entry / "done").read_text() == "x"
    assert build_once(tmp_path, "key", complete, build) == entry and len(built) == 1

    def failing(folder):
        (folder / "half").write_text("x")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        build_once(tmp_path, "other", complete, failing)
    assert not (tmp_path / "other").exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == ["key"]  # no temporary folder left
