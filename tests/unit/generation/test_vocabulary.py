"""xqg.generation.vocabulary: the trimmed vocabulary map."""

from __future__ import annotations

from xqg.generation.vocabulary import VocabularyMap, build_vocabulary_map, collect_used_token_ids


def test_vocabulary_map_round_trip(tmp_path, tiny_bert):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_bert)
    used = collect_used_token_ids(tok, ["Paris is"])
    vocabulary = build_vocabulary_map(tok, used, n_extra=2)
    # kept: <s> <pad> </s> <unk> <mask> Paris is  -> 7 rows, then 2 extra rows
    assert vocabulary.n_kept == 7 and vocabulary.model_size == 9 and vocabulary.extra_row(1) == 8
    vocabulary.save(tmp_path)
    assert VocabularyMap.load(tmp_path) == vocabulary
