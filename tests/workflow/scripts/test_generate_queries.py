"""workflow_scripts/generate_queries.py and perturb_generated_queries.py run in-process as Snakemake runs
them: an empty corpus is an error naming the file; a noisy generator perturbs its source's shard."""

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


def test_a_noisy_generator_perturbs_its_sources_shard(tmp_path):
    """Noisy xQG (a defence): the template generator's shard, then the noisy one from it: same passages,
    languages and samples, about the configured share of the queries attacked, and the counts logged."""
    import json

    corpus = tmp_path / "corpus.tsv"
    corpus.write_text(HEADER + "".join(f"p{i}\tA text about Finland number {i}.\tSuomi {i}\n" for i in range(40)),
                      encoding="utf-8")
    generation = record(samples_per_language=2, seed=1, precision="fp32")
    common = dict(languages=["fi", "ru"], num_shards=1, generation=generation)
    source = tmp_path / "template" / "shard~0.jsonl"
    run_script("generate_queries", Job(
        input=NamedList(corpus=str(corpus), model=[]), output=NamedList(str(source)),
        params=NamedList(generator=record(type="template"), **common),
        log=NamedList(str(tmp_path / "template.log")), wildcards=NamedList(shard="0")))
    noisy = tmp_path / "noisy" / "shard~0.jsonl"
    perturb = record(attacks=("typo", "orthography", "transliteration"), rate=0.5, seed=29)
    log = tmp_path / "noisy.log"
    run_script("perturb_generated_queries", Job(
        input=NamedList(source=[str(source)]), output=NamedList(str(noisy)), params=NamedList(perturb=perturb),
        log=NamedList(str(log)), wildcards=NamedList(shard="0")))
    clean = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    perturbed = [json.loads(line) for line in noisy.read_text(encoding="utf-8").splitlines()]
    assert [(r["passage_id"], r["lang"], len(r["queries"])) for r in perturbed] == \
        [(r["passage_id"], r["lang"], len(r["queries"])) for r in clean]
    changed = sum(a != b for n, c in zip(perturbed, clean) for a, b in zip(n["queries"], c["queries"]))
    assert 0.3 * 160 <= changed <= 0.7 * 160  # 40 passages x 2 languages x 2 samples, rate 0.5
    assert f"noisy xQG from {source} (rate 0.5, seed 29)" in log.read_text(encoding="utf-8")
