"""workflow_scripts/encode_generated_queries.py run in-process as Snakemake runs it:
every declared file is written, the sums per k are those of the per-query vectors; truncation is logged."""

from __future__ import annotations

import json

import numpy as np

from tests.helpers.script_runner import Job, NamedList, run_script
from tests.helpers.tiny_models import LONG, SHORT
from xqg.settings.sections import EncodingSettings
from xqg.vectors import read_generated_query_sums, read_generated_query_vectors

ENCODING = EncodingSettings(batch_size=4, precision="fp32", backend="torch", passage_shards=1, threads=1)


def test_encode_generated_queries_rule_writes_every_declared_file_and_logs_truncation(tmp_path, tiny_bert):
    generated = tmp_path / "shard~0.jsonl"
    generated.write_text("".join(json.dumps({"passage_id": pid, "lang": lang, "queries": [SHORT, LONG]}) + "\n"
                                 for pid in ("p1", "p2") for lang in ("fi", "ja")), encoding="utf-8")
    outputs = {}
    for lang in ("fi", "ja"):
        outputs |= {lang: str(tmp_path / f"{lang}.npy"), f"ids~{lang}": str(tmp_path / f"{lang}.ids.txt"),
                    f"counts~{lang}": str(tmp_path / f"{lang}.counts.npy"), f"layout~{lang}": str(tmp_path / f"{lang}.layout.json")}
    outputs |= {"sums": str(tmp_path / "sums.npy"), "sums_ids": str(tmp_path / "sums.ids.txt"),
                "sums_counts": str(tmp_path / "sums.counts.npy"), "sums_layout": str(tmp_path / "sums.layout.json")}
    spec = {"pooling": "mean", "query_prefix": "", "passage_prefix": "", "normalize": False,
            "max_query_length": 8, "max_passage_length": 16}
    log = tmp_path / "encode_generated_queries.log"
    job = Job(input=NamedList(model=[tiny_bert], generated=str(generated)), output=NamedList(**outputs),
              params=NamedList(model=tiny_bert, spec=spec, encoding=ENCODING, samples=2, ks=[1, 2]),
              log=NamedList(str(log)), threads=1)
    run_script("encode_generated_queries", job)
    for path in outputs.values():
        assert (tmp_path / path).exists(), path
    assert f"{generated}: 4 of 8 generated queries longer than 8 tokens, truncated to it" in log.read_text(encoding="utf-8")
    sums = read_generated_query_sums(outputs["sums"])
    assert sums.ks == [1, 2] and sums.languages == ["fi", "ja"] and sums.counts.tolist() == [[2, 4], [2, 4]]
    fi, ja = (read_generated_query_vectors(outputs[lang]).vectors[:, 0].astype(np.float32) for lang in ("fi", "ja"))
    np.testing.assert_array_equal(sums.sums[:, 1], (fi.sum(axis=1) + ja.sum(axis=1)).astype(np.float16))
