import numpy as np
import pandas as pd
import pytest

from xqg.formats import write_trec_run
from xqg.search import SearchConfig, recall_against_exact, search_shards
from xqg.search_recall import measure_recall, recall_summary, sample_positions


def _data(seed=0, n=500, q=20, dim=16):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(q, dim)).astype(np.float32), rng.normal(size=(n, dim)).astype(np.float32)


def _brute_force(queries, passages, depth):
    scores = queries @ passages.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :depth]
    return np.take_along_axis(scores, order, axis=1), order


def test_exact_search_equals_brute_force():
    queries, passages = _data()
    ids = [f"p{i}" for i in range(len(passages))]
    scores, rankings = search_shards(queries, [(ids, passages)], SearchConfig(depth=10))
    expected_scores, expected_order = _brute_force(queries, passages, 10)
    assert rankings == [[ids[i] for i in row] for row in expected_order]
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-5)


def test_sharded_search_equals_one_index():
    queries, passages = _data(seed=1)
    ids = [f"p{i}" for i in range(len(passages))]
    shards = [(ids[a:b], passages[a:b]) for a, b in ((0, 170), (170, 333), (333, 500))]
    _, merged = search_shards(queries, shards, SearchConfig(depth=25))
    _, single = search_shards(queries, [(ids, passages)], SearchConfig(depth=25))
    assert merged == single


def test_depth_larger_than_corpus_returns_every_passage():
    queries, passages = _data(n=7)
    _, rankings = search_shards(queries, [([str(i) for i in range(7)], passages)], SearchConfig(depth=100))
    assert all(sorted(r) == sorted(str(i) for i in range(7)) for r in rankings)


def test_hnsw_recall_is_measured_against_exact():
    queries, passages = _data(n=2000, dim=32)
    ids = [str(i) for i in range(len(passages))]
    _, exact = search_shards(queries, [(ids, passages)], SearchConfig(depth=10))
    _, approx = search_shards(queries, [(ids, passages)], SearchConfig(depth=10, index="hnsw"))
    recall = recall_against_exact(approx, exact, 10)
    assert 0.8 <= recall <= 1.0


def test_mismatched_shard_is_an_error():
    queries, passages = _data(n=5)
    with pytest.raises(ValueError, match="4 ids but 5 vectors"):
        search_shards(queries, [(["a", "b", "c", "d"], passages)], SearchConfig())


# ----------------------------------------------------------------------------- approximate search and its recall

def test_recall_against_exact_by_hand():
    exact = [["a", "b", "c", "d"], ["e", "f", "g", "h"]]
    approximate = [["a", "x", "c", "b"], ["f", "e", "y", "z"]]
    # top 2: {a, b} vs {a, x} -> 1; {e, f} vs {f, e} -> 2: 3 of 4
    assert recall_against_exact(approximate, exact, 2) == 3 / 4
    # top 4: {a, b, c, d} vs {a, x, c, b} -> 3; {e, f, g, h} vs {f, e, y, z} -> 2: 5 of 8
    assert recall_against_exact(approximate, exact, 4) == 5 / 8
    assert recall_against_exact(approximate, exact, 1) == 1 / 2  # a = a, e != f
    assert recall_against_exact(exact, exact, 4) == 1.0


def test_ivf_probing_every_list_is_exact():
    queries, passages = _data(seed=3, n=4000, q=15, dim=24)
    ids = [f"p{i}" for i in range(len(passages))]
    shards = [(ids[:2500], passages[:2500]), (ids[2500:], passages[2500:])]
    exact_scores, exact = search_shards(queries, shards, SearchConfig(depth=50))
    every_list = SearchConfig(depth=50, index="ivf", ivf_lists=16, ivf_probe=16)  # nprobe = nlist
    scores, rankings = search_shards(queries, shards, every_list)
    assert rankings == exact
    np.testing.assert_allclose(scores, exact_scores, rtol=1e-5)
    _, few = search_shards(queries, shards, SearchConfig(depth=50, index="ivf", ivf_lists=16, ivf_probe=1))
    assert recall_against_exact(few, exact, 50) < 0.9  # one list of 16: passages lost


def test_ivfpq_compresses_at_a_cost():
    queries, passages = _data(seed=4, n=3000, q=10, dim=32)
    ids = [str(i) for i in range(len(passages))]
    _, exact = search_shards(queries, [(ids, passages)], SearchConfig(depth=20))
    config = SearchConfig(depth=20, index="ivfpq", ivf_lists=8, ivf_probe=8, pq_m=16)
    _, approx = search_shards(queries, [(ids, passages)], config)
    assert 0.3 < recall_against_exact(approx, exact, 20) < 1.0
    assert config.describe() == "ivfpq (up to 8 lists a shard, nprobe 8, pq_m 16 x 8 bits)"
    with pytest.raises(ValueError, match="pq_m = 5 must divide the vector dimension 32"):
        search_shards(queries, [(ids, passages)], SearchConfig(index="ivfpq", pq_m=5))
    with pytest.raises(ValueError, match="at least 256 vectors a shard"):
        search_shards(queries, [(ids[:100], passages[:100])], SearchConfig(index="ivfpq", pq_m=16))


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
