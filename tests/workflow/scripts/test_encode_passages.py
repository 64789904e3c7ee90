"""workflow_scripts/encode_passages.py run in-process as Snakemake runs it:
an empty corpus is an error naming the file; truncation is logged per file."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.rule_inputs import HEADER
from tests.helpers.script_runner import Job, NamedList, run_script
from tests.helpers.tiny_models import LONG, SHORT
from xqg.formats import InputFormatError
from xqg.settings.sections import EncodingSettings

ENCODING = EncodingSettings(batch_size=4, precision="fp32", backend="torch", passage_shards=1, threads=1)


def test_encode_passages_rule_on_an_empty_corpus_names_the_file(tmp_path):
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text(HEADER, encoding="utf-8")
    job = Job(input=NamedList(model=[], corpus=str(corpus)),
              output=NamedList(vectors=str(tmp_path / "shard~0.npy"), ids=str(tmp_path / "shard~0.ids.txt")),
              params=NamedList(model="unused", spec={}, encoding=ENCODING, num_shards=1),
              log=NamedList(str(tmp_path / "encode.log")), wildcards=NamedList(shard="0"))
    # refused before the model ("unused") is loaded
    with pytest.raises(InputFormatError, match=rf"^{corpus}: no passages in shard 1 of 1 \(0 passages in all\)"):
        run_script("encode_passages", job)


def _encode_passages_job(tmp_path, model, corpus_text: str) -> Job:
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text(corpus_text, encoding="utf-8")
    spec = {"pooling": "mean", "query_prefix": "", "passage_prefix": "", "normalize": False,
            "max_query_length": 8, "max_passage_length": 16}
    return Job(input=NamedList(model=[model], corpus=str(corpus)),
               output=NamedList(vectors=str(tmp_path / "shard~0.npy"), ids=str(tmp_path / "shard~0.ids.txt")),
               params=NamedList(model=model, spec=spec, encoding=ENCODING, num_shards=1),
               log=NamedList(str(tmp_path / "encode_passages.log")), wildcards=NamedList(shard="0"), threads=1)


def test_encode_passages_rule_logs_truncation_per_file(tmp_path, tiny_bert):
    job = _encode_passages_job(tmp_path, tiny_bert, f"id\ttext\ttitle\np1\t{SHORT}\tt\np2\t{LONG}\tt\np3\t{SHORT}\tt\n")
    run_script("encode_passages", job)
    ids = (tmp_path / "shard~0.ids.txt").read_text(encoding="utf-8").split()
    assert ids == ["p1", "p2", "p3"] and np.load(tmp_path / "shard~0.npy").shape[0] == 3
    log = (tmp_path / "encode_passages.log").read_text(encoding="utf-8")
    assert f"{job.input.corpus} (shard 1 of 1): 1 of 3 passages longer than 16 tokens, truncated to it" in log, log
