"""workflow_scripts/generate_queries.py run in-process as Snakemake runs it:
an empty corpus is an error naming the file."""

from __future__ import annotations

import pytest

from tests.helpers.rule_inputs import HEADER
from tests.helpers.script_runner import Job, NamedList, record, run_script
from xqg.formats import InputFormatError


def test_generate_queries_rule_on_an_empty_corpus_names_the_file(tmp_path):
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text(HEADER, encoding="utf-8")
    job = Job(input=NamedList(corpus=str(corpus), model=[]), output=NamedList(str(tmp_path / "shard~0.jsonl")),
              params=NamedList(generator=record(type="template"), languages=["fi"], num_shards=1,
                               generation=record(samples_per_language=1, seed=1, precision="fp32")),
              log=NamedList(str(tmp_path / "generate.log")), wildcards=NamedList(shard="0"))
    with pytest.raises(InputFormatError, match=rf"^{corpus}: no passages to generate queries for"):
        run_script("generate_queries", job)
