"""xqg.generation.released: importing the released generated queries."""

from __future__ import annotations

import json

import pytest

from xqg.formats import GeneratedQueries, InputFormatError
from xqg.generation.released import import_released_queries
from xqg.languages import LANGUAGES


def test_import_released_queries(tmp_path):
    shard = tmp_path / "shard0.jsonl"
    records = [
        {"docid": "10", "title": "Paris", "text": "...", "generated_queries": {lang: [f"{lang}{i}" for i in range(6)] for lang in LANGUAGES}},
        {"docid": 11, "title": "Oslo", "text": "...", "generated_queries": {lang: [f"{lang}-{i}" for i in range(5)] for lang in LANGUAGES}},
    ]
    shard.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    got = list(import_released_queries([shard], ["bn", "te"], n_samples=5))
    assert got == [GeneratedQueries("10", "bn", ("bn0", "bn1", "bn2", "bn3", "bn4")),
                   GeneratedQueries("10", "te", ("te0", "te1", "te2", "te3", "te4")),
                   GeneratedQueries("11", "bn", tuple(f"bn-{i}" for i in range(5))),
                   GeneratedQueries("11", "te", tuple(f"te-{i}" for i in range(5)))]
    with pytest.raises(InputFormatError, match=r"line 2.*generated_queries.*fewer than 6"):
        list(import_released_queries([shard], ["bn"], n_samples=6))
    del records[1]["generated_queries"]["ko"]
    shard.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"shard0.jsonl, line 2, field 'generated_queries.ko'"):
        list(import_released_queries([shard], ["ko"], n_samples=5))
    shard.write_text(json.dumps(records[0]) + "\n" + json.dumps(records[0]) + "\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="duplicate docid"):
        list(import_released_queries([shard], ["ar"], n_samples=5))
