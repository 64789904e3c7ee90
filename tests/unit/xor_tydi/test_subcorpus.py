"""xqg.xor_tydi.subcorpus: seeded distractor sampling."""

from __future__ import annotations

import pytest

from xqg.formats import Passage
from xqg.xor_tydi.subcorpus import sample_distractors, subcorpus_passages


def test_distractor_sampling_is_seeded_exact_and_in_corpus_order():
    a, b, c = sample_distractors(1000, 50, 13), sample_distractors(1000, 50, 13), sample_distractors(1000, 50, 14)
    assert len(set(a.tolist())) == 50 and (a == b).all() and not (a == c).all()
    assert list(a) == sorted(a)
    assert sample_distractors(1000, None, 13) is None
    with pytest.raises(ValueError, match="only 10 non-gold"):
        sample_distractors(10, 11, 0)
    corpus = [Passage(str(i), "t", "x") for i in range(10)]
    kept = [p.id for p in subcorpus_passages(corpus, {"3", "7"}, sample_distractors(8, 2, 0))]
    assert len(kept) == 4 and {"3", "7"} <= set(kept) and kept == sorted(kept, key=int)
