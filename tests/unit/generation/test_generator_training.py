"""Tests of xqg.generation with tiny random models built from configs (no downloads)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
import torch

from xqg.formats import GeneratedQueries, InputFormatError, Passage, iter_generated_queries
from xqg.generation.generator import load_generator
from xqg.generation.quality import generation_quality_report, quality_samples, script_share
from xqg.generation.released import import_released_queries
from xqg.generation.sampling import generate_queries, generate_to_file, stable_seed
from xqg.generation.templates import QUESTION_TEMPLATES, template_generate
from xqg.generation.generator_training import GeneratorPair, GeneratorTrainingConfig, train_query_generator
from xqg.generation.seq2seq_model import decoder_layer_sources
from xqg.generation.vocabulary import VocabularyMap, build_vocabulary_map, collect_used_token_ids
from xqg.languages import LANGUAGES

PASSAGES = [
    Passage("p1", "Paris", "Paris is the capital of France ."),
    Passage("p2", "Helsinki", "Helsinki is the capital of Finland ."),
    Passage("p3", "Tokyo", "Tokyo is the capital of Japan ."),
]
QUESTIONS = {  # lang -> question pattern with the title; word-level so a tiny model can memorise them
    "ru": "что такое {t} ?",
    "fi": "mikä on {t} ?",
    "ja": "{t} とは 何 ですか ?",
}
PAIRS = [GeneratorPair(p.title, p.text, lang, q.format(t=p.title)) for p in PASSAGES for lang, q in QUESTIONS.items()]
EXTRA_WORDS = "Generate a Arabic Bengali Finnish Japanese Korean Russian Telugu question for this passage : unused words here".split()


def _word_tokenizer(folder, style: str):
    """A word-level fast tokenizer over the toy texts; 'mt5' ids pad 0 / eos 1 / unk 2 and '$A </s>',
    'bert' ids <s> 0 / <pad> 1 / </s> 2 / <unk> 3 and '<s> $A </s>' (the XLM-R layout)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "</s>", "<unk>"] if style == "mt5" else ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    words = sorted({w for p in PAIRS for w in f"{p.passage_title} {p.passage_text} {p.question}".split()} | set(EXTRA_WORDS))
    vocab = {token: i for i, token in enumerate(specials + words)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    if style == "mt5":
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
        wrapped = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    else:
        tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
        wrapped = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                          unk_token="<unk>", cls_token="<s>", sep_token="</s>", mask_token="<mask>")
    wrapped.save_pretrained(folder)
    return wrapped


@pytest.fixture(scope="module")
def tiny_mt5(tmp_path_factory):
    from transformers import MT5Config, MT5ForConditionalGeneration

    folder = tmp_path_factory.mktemp("tiny_mt5")
    tokenizer = _word_tokenizer(folder, "mt5")
    torch.manual_seed(0)
    config = MT5Config(vocab_size=len(tokenizer) + 3, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2,
                       num_heads=4, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, tie_word_embeddings=False)
    MT5ForConditionalGeneration(config).save_pretrained(folder, safe_serialization=True)
    return str(folder)


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    from transformers import BertConfig, BertModel

    folder = tmp_path_factory.mktemp("tiny_bert")
    tokenizer = _word_tokenizer(folder, "bert")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(tokenizer) + 7, hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=128, pad_token_id=1)
    BertModel(config, add_pooling_layer=False).save_pretrained(folder, safe_serialization=True)
    return str(folder)


@pytest.fixture(scope="module")
def trained_mt5(tiny_mt5, tmp_path_factory):
    out = tmp_path_factory.mktemp("mt5_run")
    config = GeneratorTrainingConfig(learning_rate=1e-2, batch_size=9, gradient_accumulation_steps=1, max_steps=80,
                                     eval_every=40, max_input_length=32, seed=313)
    return out, train_query_generator(PAIRS, PAIRS, tiny_mt5, config, out, progress=False, threads=1)


@pytest.fixture(scope="module")
def trained_bert2bert(tiny_bert, tmp_path_factory):
    out = tmp_path_factory.mktemp("b2b_run")
    config = GeneratorTrainingConfig(architecture="bert2bert", prompt_style="language_token", learning_rate=3e-3, batch_size=9,
                                     gradient_accumulation_steps=1, max_steps=80, eval_every=40, decoder_layers=2,
                                     trim_vocabulary=True, max_input_length=32)
    return out, train_query_generator(PAIRS, PAIRS, tiny_bert, config, out, progress=False, threads=1)


# --- training ------------------------------------------------------------------------------------

def test_mt5_training_lowers_dev_loss_and_writes_outputs(trained_mt5):
    out, summary = trained_mt5
    assert summary["best_dev_loss"] < 0.5 * summary["initial_dev_loss"]
    assert summary["steps"] == 80 and summary["best_step"] is not None
    assert (out / "model" / "model.safetensors").is_file() and (out / "summary.json").is_file()
    assert not (out / "checkpoint").exists()
    log = [json.loads(line) for line in (out / "training_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "dev_loss" in r] == [0, 40, 80]
    assert min(r["dev_loss"] for r in log if "dev_loss" in r) == pytest.approx(summary["best_dev_loss"])


def test_bert2bert_trimmed_language_token_training(trained_bert2bert, tiny_bert):
    out, summary = trained_bert2bert
    assert summary["best_dev_loss"] < 0.5 * summary["initial_dev_loss"]
    generator = load_generator(str(out / "model"))
    vocabulary = generator.vocabulary
    # kept: the pieces the pairs use + the 5 specials; "unused", "words", "here" and all prompt words are gone
    assert vocabulary.kept_ids is not None and vocabulary.n_extra == len(LANGUAGES)
    used_words = {w for p in PAIRS for w in f"{p.passage_title} {p.passage_text} {p.question}".split()}
    assert vocabulary.n_kept == len(used_words) + 5
    assert generator.model.config.decoder.vocab_size == vocabulary.model_size
    assert generator.model.get_output_embeddings().out_features == vocabulary.model_size
    assert generator.model.config.decoder.num_hidden_layers == 2
    assert set(generator.metadata.language_rows) == set(LANGUAGES)
    # the trimmed-away piece "unused" becomes <unk>; a kept one maps back to itself
    tok = generator.tokenizer
    unused, paris = tok.convert_tokens_to_ids("unused"), tok.convert_tokens_to_ids("Paris")
    rows = vocabulary.to_model(torch.tensor([unused, paris]))
    assert vocabulary.to_tokenizer(rows).tolist() == [tok.unk_token_id, paris]


def test_training_resumes_from_checkpoint(tiny_mt5, tmp_path):
    config = GeneratorTrainingConfig(learning_rate=3e-3, batch_size=4, gradient_accumulation_steps=2, max_steps=6,
                                     eval_every=3, log_every=1, max_input_length=32)
    full = train_query_generator(PAIRS, PAIRS, tiny_mt5, config, tmp_path / "full", progress=False, threads=1)
    # interrupt the same run right after its step-3 checkpoint is in place, then rerun it
    import xqg.generation.generator_training as training

    partial_dir = tmp_path / "partial"
    original = training.shutil.rmtree

    class Stop(Exception):
        pass

    def stop_after_checkpoint(folder, *args, **kwargs):
        original(folder, *args, **kwargs)
        if str(folder).endswith(".checkpoint.old") and (partial_dir / "checkpoint").exists():
            raise Stop

    training.shutil.rmtree = stop_after_checkpoint
    try:
        with pytest.raises(Stop):
            train_query_generator(PAIRS, PAIRS, tiny_mt5, config, partial_dir, progress=False, threads=1)
    finally:
        training.shutil.rmtree = original
    assert json.loads((partial_dir / "checkpoint" / "trainer_state.json").read_text())["step"] == 3
    resumed = train_query_generator(PAIRS, PAIRS, tiny_mt5, config, partial_dir, progress=False, threads=1)
    assert resumed["best_dev_loss"] == pytest.approx(full["best_dev_loss"], rel=1e-4)
    assert resumed["train_losses"] == pytest.approx(full["train_losses"], rel=1e-4)


def test_decoder_layer_sources():
    assert decoder_layer_sources(12, 2) == [0, 11]
    assert decoder_layer_sources(12, 4) == [0, 4, 7, 11]
    assert decoder_layer_sources(12, 1) == [0]
    with pytest.raises(ValueError):
        decoder_layer_sources(3, 4)


def test_vocabulary_map_round_trip(tmp_path, tiny_bert):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_bert)
    used = collect_used_token_ids(tok, ["Paris is"])
    vocabulary = build_vocabulary_map(tok, used, n_extra=2)
    # kept: <s> <pad> </s> <unk> <mask> Paris is  -> 7 rows, then 2 extra rows
    assert vocabulary.n_kept == 7 and vocabulary.model_size == 9 and vocabulary.extra_row(1) == 8
    vocabulary.save(tmp_path)
    assert VocabularyMap.load(tmp_path) == vocabulary


# --- generation ----------------------------------------------------------------------------------

def test_generation_is_reproducible_and_batch_independent(trained_mt5):
    out, _ = trained_mt5
    model = str(out / "model")
    run = lambda batch_size, passages=PASSAGES: list(generate_queries(model, passages, ["ru", "fi"], n_samples=3, batch_size=batch_size,
                                                                      max_input_length=64, seed=7, progress=False))
    first, again, one_by_one = run(3), run(3), run(1)
    assert first == again == one_by_one
    assert [(r.passage_id, r.lang) for r in first] == [(p.id, lang) for p in PASSAGES for lang in ("ru", "fi")]
    assert all(len(r.queries) == 3 for r in first)
    # order-independent too: a passage's queries do not depend on its neighbours
    assert run(2, PASSAGES[::-1])[-2:] == first[:2]
    other_seed = list(generate_queries(model, PASSAGES, ["ru", "fi"], n_samples=3, seed=8, progress=False))
    assert other_seed != first


def test_trained_generator_learns_the_toy_questions(trained_mt5):
    out, _ = trained_mt5
    records = list(generate_queries(str(out / "model"), PASSAGES, list(QUESTIONS), n_samples=2, top_k=1, progress=False))
    # top_k 1 is greedy decoding: the memorised question, in the asked language, with the passage's title
    assert [r.queries for r in records] == [(QUESTIONS[lang].format(t=p.title),) * 2 for p in PASSAGES for lang in QUESTIONS]


def test_bert2bert_generation_with_language_tokens(trained_bert2bert):
    out, _ = trained_bert2bert
    records = list(generate_queries(str(out / "model"), PASSAGES, ["ja", "fi"], n_samples=2, top_k=3, progress=False))
    assert len(records) == 6 and all(len(r.queries) == 2 for r in records)
    with pytest.raises(ValueError, match="trained with prompt_style"):
        next(generate_queries(str(out / "model"), PASSAGES, ["ja"], prompt_style="text", progress=False))


def test_generate_to_file_resumes(trained_mt5, tmp_path):
    out, _ = trained_mt5
    model, target = str(out / "model"), tmp_path / "queries.jsonl"
    options = dict(n_samples=2, seed=3, progress=False)
    expected = list(generate_queries(model, PASSAGES, ["ru", "fi"], **options))
    # an interrupted run: two complete records, then a torn line
    part = tmp_path / "queries.jsonl.part"
    generate_to_file(model, PASSAGES[:1], ["ru", "fi"], tmp_path / "first.jsonl", **options)
    lines = (tmp_path / "first.jsonl").read_text(encoding="utf-8").splitlines()
    part.write_text("\n".join(lines) + '\n{"passage_id": "p2", "la', encoding="utf-8")
    (tmp_path / "queries.jsonl.part.json").write_text(json.dumps(
        {"model_dir": model, "languages": ["ru", "fi"], "passages": 3, "n_samples": 2, "seed": 3}), encoding="utf-8")
    assert generate_to_file(model, PASSAGES, ["ru", "fi"], target, **options) == 6
    assert list(iter_generated_queries(target)) == expected
    assert not part.exists()


# --- templates, released queries -----------------------------------------------------------------

def test_templates_are_deterministic_and_carry_the_title():
    first = list(template_generate(PASSAGES, LANGUAGES, n_samples=5, seed=1))
    assert first == list(template_generate(PASSAGES, LANGUAGES, n_samples=5, seed=1))
    assert first != list(template_generate(PASSAGES, LANGUAGES, n_samples=5, seed=2))
    assert len(first) == len(PASSAGES) * 7
    for record in first:
        title = next(p.title for p in PASSAGES if p.id == record.passage_id)
        assert len(record.queries) == 5 and len(set(record.queries)) == 5  # without replacement
        assert all(title in q for q in record.queries)
        assert set(record.queries) <= {t.format(title=title) for t in QUESTION_TEMPLATES[record.lang]}
    ja = next(r for r in first if r.lang == "ja" and r.passage_id == "p1")
    assert all(script_share(q.replace("Paris", ""), "ja") == 1.0 for q in ja.queries)


def test_import_released_queries(tmp_path):
    shard = tmp_path / "shard0.jsonl"
    records = [
        {"docid": "10", "title": "Paris", "text": "...", "generated_queries": {lang: [f"{lang}{i}" for i in range(6)] for lang in LANGUAGES}},
        {"docid": 11, "title": "Oslo", "text": "...", "generated_queries": {lang: [f"{lang}-{i}" for i in range(5)] for lang in LANGUAGES}},
    ]
    shard.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    got = list(import_released_queries([shard], ["bn", "te"], n_samples=5))
    assert got == [GeneratedQueries("10", "bn", ("bn0", "bn1", "bn2", "bn3", "bn4")),
                   GeneratedQueries("10", "te", ("te0", "te1", "te2", "te3", "te4")),
                   GeneratedQueries("11", "bn", tuple(f"bn-{i}" for i in range(5))),
                   GeneratedQueries("11", "te", tuple(f"te-{i}" for i in range(5)))]
    with pytest.raises(InputFormatError, match=r"line 2.*generated_queries.*fewer than 6"):
        list(import_released_queries([shard], ["bn"], n_samples=6))
    del records[1]["generated_queries"]["ko"]
    shard.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"shard0.jsonl, line 2, field 'generated_queries.ko'"):
        list(import_released_queries([shard], ["ko"], n_samples=5))
    shard.write_text(json.dumps(records[0]) + "\n" + json.dumps(records[0]) + "\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="duplicate docid"):
        list(import_released_queries([shard], ["ar"], n_samples=5))


# --- quality -------------------------------------------------------------------------------------

def test_script_share_by_hand():
    assert script_share("Что такое Paris?", "ru") == pytest.approx(8 / 13)  # 8 Cyrillic of 13 letters
    assert script_share("東京タワーはどこ", "ja") == 1.0
    assert script_share("서울 tower", "ko") == pytest.approx(2 / 7)
    assert math.isnan(script_share("?? 123", "ar"))


def test_quality_report_by_hand():
    passages = {"p1": Passage("p1", "Eiffel Tower", "..."), "p2": Passage("p2", "Ur", "...")}
    generated = [
        GeneratedQueries("p1", "ru", ("Где Eiffel Tower?", "Где Eiffel Tower?", "Что такое башня?", "Paris?")),
        GeneratedQueries("p2", "ru", ("Где находится Ur?", "Что такое ur?")),
        GeneratedQueries("p1", "ja", ("エッフェル塔はどこ？", "tower とは")),
    ]
    references = [("p1", "ru", "Где находится Eiffel Tower?"), ("p1", "ja", "エッフェル塔はどこですか？")]
    report = generation_quality_report(generated, passages, references).set_index("lang")
    ru, ja = report.loc["ru"], report.loc["ja"]
    assert ru["passages"] == 2 and ru["queries"] == 6
    # right script (majority of the letters left after removing the title and its words): all but "Paris?"
    assert ru["script_share"] == pytest.approx(5 / 6)
    # duplicates: p1 has 4 queries, 3 distinct -> 1 duplicate of 6 queries
    assert ru["duplicate_rate"] == pytest.approx(1 / 6)
    # title coverage: "Eiffel Tower" twice, "Ur" twice (case-insensitive full title) -> 4 of 6
    assert ru["title_coverage"] == pytest.approx(4 / 6)
    lengths = [17, 17, 16, 6, 17, 13]
    assert ru["mean_chars"] == pytest.approx(sum(lengths) / 6) and ru["median_chars"] == 16.5
    assert ja["title_coverage"] == pytest.approx(1 / 2)  # "tower" is a 4+ letter word of the title
    assert ja["script_share"] == 1.0  # "tower とは": the title word removed, only kana is left
    import sacrebleu

    expected = sacrebleu.sentence_chrf("エッフェル塔はどこ？", ["エッフェル塔はどこですか？"]).score
    expected2 = sacrebleu.sentence_chrf("tower とは", ["エッフェル塔はどこですか？"]).score
    assert ja["chrf"] == pytest.approx((expected + expected2) / 2)
    assert ja["queries_with_reference"] == 2 and ru["queries_with_reference"] == 4
    text = quality_samples(generated, passages, n_per_language=1, seed=0)
    assert "## ru" in text and "## ja" in text and "Eiffel Tower" in text
