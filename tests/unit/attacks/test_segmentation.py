"""xqg.attacks.segmentation: the Japanese fallback segmenter when fugashi is absent."""

from __future__ import annotations

from tests.helpers.attack_examples import check_perturbations, examples


def test_japanese_fallback_segmentation_without_fugashi(monkeypatch):
    """Without fugashi, Japanese words come from character classes; attacks keep their invariants."""
    from xqg.attacks import segmentation

    caches = (segmentation.words, segmentation.content_word_indices, segmentation.japanese_chunks)
    for cache in caches:
        cache.cache_clear()
    monkeypatch.setattr(segmentation, "_japanese_tagger", lambda: None)
    try:
        found = segmentation.words("日本の首都はどこですか？", "ja")
        assert [w.text for w in found] == ["日本", "の", "首都", "はどこですか"]
        assert [w.function for w in found] == [False, True, False, False]
        check_perturbations([q for q in examples() if q.lang == "ja"], "naturality")
        check_perturbations([q for q in examples() if q.lang == "ja"], "ordering")
        check_perturbations([q for q in examples() if q.lang == "ja"], "typo")
    finally:
        for cache in caches:
            cache.cache_clear()
