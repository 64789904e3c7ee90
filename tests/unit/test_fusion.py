import numpy as np
import pytest

from xqg.fusion import fuse_passage_embeddings


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
