"""xqg.search: exact, sharded and approximate (HNSW, IVF, IVF-PQ) search against brute force."""

from __future__ import annotations

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


def test_grouped_search_equals_one_search_per_group_bit_for_bit():
    """One pass over the shards for several query batches (a system's languages) gives each batch exactly
    the scores and rankings of its own search: batches are never merged (BLAS rounds by batch shape)."""
    from xqg.search import search_shards_grouped

    rng = np.random.default_rng(3)
    shards = [([f"s{s}-p{i}" for i in range(40)], rng.standard_normal((40, 16)).astype(np.float32)) for s in range(3)]
    groups = [rng.standard_normal((n, 16)).astype(np.float32) for n in (5, 37, 1)]
    config = SearchConfig(depth=10)
    grouped = search_shards_grouped(groups, iter(shards), config)
    for queries, (scores, rankings) in zip(groups, grouped, strict=True):
        alone_scores, alone_rankings = search_shards(queries, iter(shards), config)
        assert scores.tobytes() == alone_scores.tobytes() and rankings == alone_rankings


def _gpus() -> int:
    import faiss

    return faiss.get_num_gpus() if hasattr(faiss, "get_num_gpus") else 0


@pytest.mark.skipif(_gpus() > 0, reason="this faiss build sees a GPU: the GPU search test below runs instead")
def test_gpu_search_without_a_gpu_is_an_error_naming_the_remedy():
    queries, passages = _data()
    with pytest.raises(RuntimeError, match="search.use_gpu is set but this faiss build sees no GPU"):
        search_shards(queries, [([f"p{i}" for i in range(len(passages))], passages)], SearchConfig(depth=10, use_gpu=True))


@pytest.mark.skipif(_gpus() == 0, reason="no GPU visible to faiss (install faiss-gpu: make install-gpu, on a CUDA machine)")
def test_gpu_exact_search_equals_cpu():
    queries, passages = _data(n=5000, q=50, dim=64)
    ids = [f"p{i}" for i in range(len(passages))]
    shards = [(ids[:2500], passages[:2500]), (ids[2500:], passages[2500:])]
    cpu_scores, cpu = search_shards(queries, shards, SearchConfig(depth=100))
    gpu_scores, gpu = search_shards(queries, shards, SearchConfig(depth=100, use_gpu=True))
    np.testing.assert_allclose(gpu_scores, cpu_scores, rtol=1e-4, atol=1e-4)
    # rankings agree up to near-ties (GPU and CPU sum in different orders): the top-10 sets, nearly every query
    assert sum(set(g[:10]) == set(c[:10]) for g, c in zip(gpu, cpu)) >= 0.95 * len(cpu)
