"""xqg.truncation: truncation to the model's maximum length is counted, by the encoder (queries) and the
generator (passage prompts); the rules' scripts log the counts per file (tests/workflow/scripts)."""

from __future__ import annotations

from tests.helpers.tiny_models import LONG, SHORT, save_tiny_mt5
from xqg.encoder_spec import EncoderSpec
from xqg.formats import Passage
from xqg.tokenizer_loading import load_tokenizer
from xqg.truncation import count_truncated, counting_truncation, record_truncation


def test_count_truncated_by_hand(tiny_bert):
    tokenizer = load_tokenizer(tiny_bert)
    count = count_truncated(tokenizer, [SHORT, LONG, LONG, "w1 w2 w3 w4 w5 w6"], 8)  # the last is exactly 8 tokens
    assert (count.texts, count.truncated) == (4, 2)
    assert count.describe("queries.jsonl", "queries") == "queries.jsonl: 2 of 4 queries longer than 8 tokens, truncated to it"
    assert count_truncated(tokenizer, [LONG], 8, add_special_tokens=False, batch_size=1).truncated == 1
    assert count_truncated(tokenizer, [LONG], 30).truncated == 0


def test_a_tokenizer_without_encodings_is_asked_for_the_full_length(tiny_bert):
    fast = load_tokenizer(tiny_bert)

    class Slow:  # returns plain dicts, as a Python tokenizer does
        def __call__(self, texts, **options):
            return dict(fast(texts, **options))

    assert count_truncated(Slow(), [SHORT, LONG, LONG], 8).truncated == 2


def test_record_counts_only_inside_an_open_counter(tiny_bert):
    tokenizer = load_tokenizer(tiny_bert)
    batch = tokenizer([SHORT, LONG], truncation=True, max_length=8)
    record_truncation(batch, tokenizer, [SHORT, LONG], 8)  # no counter open: nothing to do
    with counting_truncation() as outer:
        with counting_truncation() as inner:
            record_truncation(batch, tokenizer, [SHORT, LONG], 8, weights=[1, 3])  # deduplicated texts: LONG 3 times
        record_truncation(batch, tokenizer, [SHORT, LONG], 8)
    assert (inner.texts, inner.truncated) == (4, 3)
    assert (outer.texts, outer.truncated) == (6, 4)


def test_encoding_counts_what_it_truncates_per_call(tiny_bert, tmp_path):
    from xqg.vector_encoding import encode_queries

    spec = EncoderSpec(tiny_bert, pooling="mean", max_query_length=8, max_passage_length=16)
    pairs = [("q1", SHORT), ("q2", LONG), ("q3", LONG), ("q4", SHORT)]  # LONG twice: encoded once, counted twice
    with counting_truncation() as counted:
        encode_queries(pairs, tmp_path / "q.npy", spec, precision="fp32", device="cpu", progress=False)
    assert (counted.texts, counted.truncated, counted.max_lengths) == (4, 2, {8})
    with counting_truncation() as counted:
        encode_queries(pairs[:1], tmp_path / "short.npy", spec, precision="fp32", device="cpu", progress=False)
    assert (counted.texts, counted.truncated) == (1, 0)


def test_generation_counts_truncated_passage_prompts(tmp_path):
    from xqg.generation.sampling import generate_queries

    model = save_tiny_mt5(tmp_path / "mt5")
    passages = [Passage("p1", "title", SHORT), Passage("p2", "title", LONG)]
    with counting_truncation() as counted:
        records = list(generate_queries(model, passages, ["ru", "fi"], n_samples=1, max_new_tokens=2, max_input_length=16,
                                        batch_size=1, progress=False, device="cpu"))
    assert len(records) == 4
    # the text prompt ("Generate a Russian question for this passage: title ...") is per passage and language:
    # p2's two prompts are longer than 16 tokens, p1's are not
    assert (counted.texts, counted.truncated, counted.max_lengths) == (4, 2, {16})
