"""xqg.generation.generator_training: mT5 and bert2bert (trimmed vocabulary, language tokens) training
on the toy task (tests/helpers/toy_generation.py), and resuming from a checkpoint."""

from __future__ import annotations

import json

import pytest
import torch

from tests.helpers.toy_generation import PAIRS
from xqg.generation.generator import load_generator
from xqg.generation.generator_training import GeneratorTrainingConfig, train_query_generator
from xqg.languages import LANGUAGES


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
