import numpy as np
import pytest

from xqg.fusion import fuse_passage_embeddings, fuse_vector_files, fuse_with_sums
from xqg.generated_sums import generated_query_sums, sum_generated_query_files
from xqg.vectors import generated_query_vector_writer, read_generated_query_sums, read_vectors, write_vectors


def _setup():
    passages = np.array([[1.0, 0.0], [0.0, 2.0]], dtype=np.float32)
    generated = {
        "te": np.array([[[1.0, 1.0], [3.0, 0.0]], [[0.0, 1.0], [np.nan, np.nan]]], dtype=np.float32),
        "ja": np.array([[[0.0, 2.0], [0.0, 0.0]], [[4.0, 0.0], [2.0, 2.0]]], dtype=np.float32),
    }
    return passages, generated


def test_sum_fusion_matches_hand_computation():
    passages, generated = _setup()
    fused = fuse_passage_embeddings(passages, generated, k=2, alpha=0.1)
    # passage 0: sum = (1,1)+(3,0)+(0,2)+(0,0) = (4,3); 0.9*(1,0) + 0.1*(4,3) = (1.3, 0.3)
    # passage 1: te has one query (NaN row left out): (0,1)+(4,0)+(2,2) = (6,3); 0.9*(0,2)+0.1*(6,3) = (0.6, 2.1)
    np.testing.assert_allclose(fused, [[1.3, 0.3], [0.6, 2.1]], rtol=1e-6)


def test_first_k_samples_only_and_language_selection():
    passages, generated = _setup()
    fused = fuse_passage_embeddings(passages, generated, k=1, alpha=0.5, languages=["te"])
    np.testing.assert_allclose(fused, [[1.0, 0.5], [0.0, 1.5]], rtol=1e-6)


def test_mean_aggregate_and_normalisation():
    passages, generated = _setup()
    fused = fuse_passage_embeddings(passages, generated, k=2, alpha=0.5, aggregate="mean")
    # passage 1: mean over its 3 present queries = (2, 1); 0.5*(0,2) + 0.5*(2,1) = (1, 1.5)
    np.testing.assert_allclose(fused[1], [1.0, 1.5], rtol=1e-6)
    normed = fuse_passage_embeddings(passages, generated, k=2, alpha=0.5, aggregate="mean", normalize=True)
    np.testing.assert_allclose(np.linalg.norm(normed, axis=1), [1.0, 1.0], rtol=1e-6)


@pytest.mark.parametrize("k, alpha", [(0, 0.3), (3, 0.0)])
def test_k_zero_or_alpha_zero_gives_back_the_passages(k, alpha):
    passages, generated = _setup()
    generated = {lang: np.concatenate([v, v[:, :1]], axis=1) for lang, v in generated.items()}
    np.testing.assert_array_equal(fuse_passage_embeddings(passages, generated, k=k, alpha=alpha), passages)


def test_bad_arguments_are_errors():
    passages, generated = _setup()
    with pytest.raises(ValueError, match="only 2 samples"):
        fuse_passage_embeddings(passages, generated, k=3, alpha=0.1)
    with pytest.raises(ValueError, match="alpha"):
        fuse_passage_embeddings(passages, generated, k=1, alpha=1.5)
    with pytest.raises(KeyError, match="ko"):
        fuse_passage_embeddings(passages, generated, k=1, alpha=0.1, languages=["ko"])
    with pytest.raises(ValueError, match="align"):
        fuse_passage_embeddings(passages[:1], generated, k=1, alpha=0.1)


def _reference_fusion(passages, generated, k, alpha):
    """fuse_passage_embeddings as it was before the sums (per-language sum of the first k, then across
    languages, all in float32): the stored sums must reproduce its floats exactly."""
    total = np.zeros_like(passages)
    for vectors in generated.values():
        chunk = np.asarray(vectors[:, :k], dtype=np.float32)
        present = ~np.isnan(chunk).any(axis=2)
        total += np.where(present[..., None], chunk, 0.0).sum(axis=1)
    return ((1.0 - alpha) * passages + alpha * total).astype(np.float32)


def test_sums_per_k_reproduce_the_direct_fusion_bit_for_bit():
    rng = np.random.default_rng(0)
    passages = rng.normal(size=(50, 8)).astype(np.float32)
    generated = {lang: rng.normal(size=(50, 4, 8)).astype(np.float16).astype(np.float32) for lang in ("ar", "fi", "ja")}
    generated["fi"][3, 2:] = np.nan  # a passage with two of its four queries missing
    sums, counts = generated_query_sums(generated, [1, 2, 4])
    assert sums.shape == (50, 3, 8) and counts[3].tolist() == [3, 6, 10] and counts[0].tolist() == [3, 6, 12]
    for column, k in enumerate([1, 2, 4]):
        expected = _reference_fusion(passages, generated, k, 0.01)
        assert np.array_equal(fuse_with_sums(passages, sums[:, column], counts[:, column], alpha=0.01), expected)
        assert np.array_equal(fuse_passage_embeddings(passages, generated, k=k, alpha=0.01), expected)


def _generated_file(path, ids, lang, vectors):
    counts = (~np.isnan(vectors).any(axis=2)).sum(axis=1)[:, None]
    with generated_query_vector_writer(path, ids, [lang], counts, vectors.shape[1], vectors.shape[2]) as array:
        for row, count in enumerate(counts[:, 0]):
            array[row, 0, :count] = vectors[row, :count]


def test_fusion_from_stored_sums_matches_fusion_of_the_query_vectors(tmp_path):
    rng = np.random.default_rng(1)
    ids = [f"p{i}" for i in range(20)]
    passages = rng.normal(size=(20, 6)).astype(np.float16)
    write_vectors(tmp_path / "passages.npy", ids[::-1], passages[::-1])  # another row order than the sums
    generated = {lang: rng.normal(size=(20, 3, 6)).astype(np.float16).astype(np.float32) for lang in ("bn", "te")}
    generated["te"][5, 1:] = np.nan
    paths = {lang: str(tmp_path / f"{lang}.npy") for lang in generated}
    for lang, vectors in generated.items():
        _generated_file(paths[lang], ids, lang, vectors)
    assert sum_generated_query_files(paths, str(tmp_path / "sums.npy"), [1, 3], block_rows=7) == 20
    stored = read_generated_query_sums(tmp_path / "sums.npy")
    assert stored.ks == [1, 3] and stored.languages == ["bn", "te"] and stored.counts[5].tolist() == [2, 4]
    for k, aggregate in ((3, "sum"), (1, "mean"), (0, "sum")):
        fuse_vector_files(str(tmp_path / "passages.npy"), str(tmp_path / "sums.npy"), str(tmp_path / "fused.npy"),
                          k=k, alpha=0.3, aggregate=aggregate, block_rows=6)
        fused_ids, fused = read_vectors(tmp_path / "fused.npy")
        direct = fuse_passage_embeddings(passages.astype(np.float32), generated, k=k, alpha=0.3, aggregate=aggregate)
        assert fused_ids == ids[::-1]
        # the sums are stored as float16: equal to the direct fusion within that rounding (then float16 again)
        np.testing.assert_allclose(fused.astype(np.float32), direct[::-1], rtol=2e-3, atol=2e-3)
    with pytest.raises(ValueError, match="not k=2"):
        fuse_vector_files(str(tmp_path / "passages.npy"), str(tmp_path / "sums.npy"), str(tmp_path / "x.npy"), k=2, alpha=0.3)
