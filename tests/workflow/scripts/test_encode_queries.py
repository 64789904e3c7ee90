"""workflow_scripts/encode_queries.py run in-process as Snakemake runs it:
truncation is logged per query set."""

from __future__ import annotations

import json

from tests.helpers.script_runner import Job, NamedList, run_script
from tests.helpers.tiny_models import LONG, SHORT
from xqg.settings.sections import EncodingSettings

ENCODING = EncodingSettings(batch_size=4, precision="fp32", backend="torch", passage_shards=1, threads=1)


def test_encode_queries_rule_logs_truncation_per_query_set(tmp_path, tiny_bert):
    dev = tmp_path / "questions.dev.jsonl"
    dev.write_text("".join(json.dumps({"id": f"q{i}", "question": text, "answers": ["x"], "lang": "fi"}) + "\n"
                           for i, text in enumerate([SHORT, LONG, SHORT])), encoding="utf-8")
    attacked = tmp_path / "attacks" / "fi" / "typo~1.jsonl"  # the attack stage's layout: attacks/LANG/SET.jsonl
    attacked.parent.mkdir(parents=True)
    attacked.write_text("".join(json.dumps({"qid": f"q{i}", "lang": "fi", "sample": 0, "original": SHORT, "text": LONG,
                                            "changed": True, "units_changed": 1, "chrf": 50.0, "edits": [],
                                            "attack": "typo", "budget": 1}) + "\n" for i in range(3)), encoding="utf-8")
    spec = {"pooling": "mean", "query_prefix": "", "passage_prefix": "", "normalize": False,
            "max_query_length": 8, "max_passage_length": 16}
    log = tmp_path / "encode_queries.log"
    # one job per encoder over every language: outputs LANG/SET and ids~LANG/SET
    outputs = {f"fi/{name}": str(tmp_path / f"{name}.npy") for name in ("clean", "typo~1")}
    outputs |= {f"ids~fi/{name}": str(tmp_path / f"{name}.ids.txt") for name in ("clean", "typo~1")}
    job = Job(input=NamedList(model=[tiny_bert], clean=str(dev), attacked=[str(attacked)]), output=NamedList(**outputs),
              params=NamedList(model=tiny_bert, spec=spec, encoding=ENCODING),
              log=NamedList(str(log)), wildcards=NamedList(backbone="tiny", regime="zero-shot"), threads=1)
    run_script("encode_queries", job)
    text = log.read_text(encoding="utf-8")
    assert f"{dev} (fi): 1 of 3 queries longer than 8 tokens, truncated to it" in text, text
    assert f"{attacked}: 3 of 3 queries longer than 8 tokens, truncated to it" in text, text
    assert (tmp_path / "clean.ids.txt").read_text(encoding="utf-8").split() == ["q0", "q1", "q2"]
    assert len((tmp_path / "typo~1.ids.txt").read_text(encoding="utf-8").split()) == 3
