import numpy as np
import pytest

from xqg.search import SearchConfig, recall_against_exact, search_shards


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
