"""workflow_scripts/encode_generated_queries.py run in-process as Snakemake runs it:
every declared file is written; truncation is logged."""

from __future__ import annotations

import json

from tests.helpers.script_runner import Job, NamedList, run_script
from tests.helpers.tiny_models import LONG, SHORT
from xqg.settings.sections import EncodingSettings

ENCODING = EncodingSettings(batch_size=4, precision="fp32", backend="torch", passage_shards=1, threads=1)


def test_encode_generated_queries_rule_writes_every_declared_file_and_logs_truncation(tmp_path, tiny_bert):
    generated = tmp_path / "shard~0.jsonl"
    generated.write_text("".join(json.dumps({"passage_id": pid, "lang": lang, "queries": [SHORT, LONG]}) + "\n"
                                 for pid in ("p1", "p2") for lang in ("fi", "ja")), encoding="utf-8")
    outputs = {}
    for lang in ("fi", "ja"):
        outputs |= {lang: str(tmp_path / f"{lang}.npy"), f"ids~{lang}": str(tmp_path / f"{lang}.ids.txt"),
                    f"counts~{lang}": str(tmp_path / f"{lang}.counts.npy"), f"layout~{lang}": str(tmp_path / f"{lang}.layout.json")}
    spec = {"pooling": "mean", "query_prefix": "", "passage_prefix": "", "normalize": False,
            "max_query_length": 8, "max_passage_length": 16}
    log = tmp_path / "encode_generated_queries.log"
    job = Job(input=NamedList(model=[tiny_bert], generated=str(generated)), output=NamedList(**outputs),
              params=NamedList(model=tiny_bert, spec=spec, encoding=ENCODING, samples=2),
              log=NamedList(str(log)), threads=1)
    run_script("encode_generated_queries", job)
    for path in outputs.values():
        assert (tmp_path / path).exists(), path
    assert f"{generated}: 4 of 8 generated queries longer than 8 tokens, truncated to it" in log.read_text(encoding="utf-8")
