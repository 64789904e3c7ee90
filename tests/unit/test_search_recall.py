"""xqg.search_recall: the recall of approximate search against exact search, on sampled queries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xqg.formats import write_trec_run
from xqg.search import SearchConfig, recall_against_exact, search_shards
from xqg.search_recall import measure_recall, recall_summary, sample_positions


def _data(seed=0, n=500, q=20, dim=16):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(q, dim)).astype(np.float32), rng.normal(size=(n, dim)).astype(np.float32)


def test_measure_recall_reads_the_approximate_runs(tmp_path):
    queries, passages = _data(seed=5, n=3000, q=30, dim=16)
    ids = [f"p{i}" for i in range(len(passages))]
    shards = [(ids[:1500], passages[:1500]), (ids[1500:], passages[1500:])]
    config = SearchConfig(depth=40, index="ivf", ivf_lists=16, ivf_probe=2)
    by_lang = {"te": ([f"t{i}" for i in range(20)], queries[:20]), "fi": ([f"f{i}" for i in range(10)], queries[20:])}
    runs = {}
    for lang, (qids, vectors) in by_lang.items():
        # a run as the search rule writes it, with attacked queries that the recall must skip
        scores, rankings = search_shards(vectors, shards, config)
        run = {qid: list(zip(r, s.tolist())) for qid, r, s in zip(qids, rankings, scores)}
        run |= {f"{qid}::typo~1::0": [("p0", 1.0)] for qid in qids}
        runs[lang] = tmp_path / f"{lang}.trec"
        write_trec_run(runs[lang], run, tag="ivf")
    table = measure_recall(by_lang, runs, shards, config, cutoffs=[10], sample_size=8, seed=0)
    assert table["lang"].tolist() == ["te", "fi"] and table["queries"].tolist() == [8, 8]
    assert table["index"].tolist() == ["ivf (up to 16 lists a shard, nprobe 2)"] * 2
    # the same numbers directly: exact and approximate search of the sampled queries
    for (_, row), (lang, (qids, vectors)) in zip(table.iterrows(), by_lang.items()):
        sample = sample_positions(len(qids), 8, 0, lang)
        _, exact = search_shards(vectors[sample], shards, SearchConfig(depth=40))
        _, approx = search_shards(vectors[sample], shards, config)
        assert row["recall@10"] == recall_against_exact(approx, exact, 10)
        assert row["recall@40"] == recall_against_exact(approx, exact, 40)
        assert 0 < row["recall@40"] < 1
    assert list(table.columns) == ["lang", "queries", "index", "recall@10", "recall@40"]
    with pytest.raises(ValueError, match="search.index is flat"):
        measure_recall(by_lang, runs, shards, SearchConfig(depth=40), cutoffs=[10], sample_size=8, seed=0)
    with pytest.raises(ValueError, match=r"cutoffs \[50\] must lie between 1 and the search depth 40"):
        measure_recall(by_lang, runs, shards, config, cutoffs=[50], sample_size=8, seed=0)
    runs["fi"].write_text("f0 Q0 p1 1 0.5 x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no ranking for sampled queries"):
        measure_recall(by_lang, runs, shards, config, cutoffs=[10], sample_size=8, seed=0)


def test_recall_sample_and_summary():
    assert sample_positions(5, None, 0, "te") == sample_positions(5, 9, 0, "te") == [0, 1, 2, 3, 4]
    sample = sample_positions(100, 10, 0, "te")
    assert sample == sorted(sample) and len(set(sample)) == 10 and sample == sample_positions(100, 10, 0, "te")
    assert sample != sample_positions(100, 10, 0, "fi")
    system = {"backbone": "mbert", "regime": "fine-tuned", "generator": "none", "k": 0, "alpha": 0}
    table = pd.DataFrame([system | {"lang": lang, "recall@10": r10, "recall@100": r100}
                          for lang, r10, r100 in (("te", 0.5, 0.75), ("ar", 1.0, 0.25))])
    summary = recall_summary(table, ["ar", "te"])
    assert summary["measure"].tolist() == ["recall@10", "recall@100"]
    assert summary[["ar", "te", "avg"]].values.tolist() == [[1.0, 0.5, 0.75], [0.25, 0.75, 0.5]]
    with pytest.raises(ValueError, match=r"no recall measured for languages \['fi'\]"):
        recall_summary(table, ["ar", "fi", "te"])
