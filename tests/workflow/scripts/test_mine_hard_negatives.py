"""workflow_scripts/mine_hard_negatives.py run in-process as Snakemake runs it:
an empty corpus is an error naming the file."""

from __future__ import annotations

import pytest

from tests.helpers.rule_inputs import HEADER, training_files
from tests.helpers.script_runner import Job, NamedList, record, run_script
from xqg.formats import InputFormatError


def test_mine_hard_negatives_rule_on_an_empty_corpus_names_the_file(tmp_path):
    corpus, questions, qrels = training_files(tmp_path, HEADER)  # a header and no passage
    job = Job(input=NamedList(corpus=str(corpus), questions=str(questions), qrels=str(qrels)),
              output=NamedList(str(tmp_path / "hard_negatives.english.json")),
              params=NamedList(settings=record(mode="positive_passage", depth=30)),
              log=NamedList(str(tmp_path / "mine.log")))
    with pytest.raises(InputFormatError) as error:
        run_script("mine_hard_negatives", job)
    assert str(error.value).startswith(f"{corpus}: no passages to mine hard negatives from")
    assert str(corpus) in (tmp_path / "mine.log").read_text(encoding="utf-8")
    assert not (tmp_path / "hard_negatives.english.json").exists()
