"""Fixtures of the generation tests: tiny random mT5 and BERT models over the toy task
(tests.helpers.toy_generation) and the generators trained on it, shared by the package's tests (each is
trained once)."""

from __future__ import annotations

import pytest
import torch

from tests.helpers.toy_generation import PAIRS, word_tokenizer
from xqg.generation.generator_training import GeneratorTrainingConfig, train_query_generator


@pytest.fixture(scope="package")
def tiny_mt5(tmp_path_factory):
    from transformers import MT5Config, MT5ForConditionalGeneration

    folder = tmp_path_factory.mktemp("tiny_mt5")
    tokenizer = word_tokenizer(folder, "mt5")
    torch.manual_seed(0)
    config = MT5Config(vocab_size=len(tokenizer) + 3, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2,
                       num_heads=4, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, tie_word_embeddings=False)
    MT5ForConditionalGeneration(config).save_pretrained(folder, safe_serialization=True)
    return str(folder)


@pytest.fixture(scope="package")
def tiny_bert(tmp_path_factory):
    from transformers import BertConfig, BertModel

    folder = tmp_path_factory.mktemp("tiny_bert")
    tokenizer = word_tokenizer(folder, "bert")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(tokenizer) + 7, hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=128, pad_token_id=1)
    BertModel(config, add_pooling_layer=False).save_pretrained(folder, safe_serialization=True)
    return str(folder)


@pytest.fixture(scope="package")
def trained_mt5(tiny_mt5, tmp_path_factory):
    out = tmp_path_factory.mktemp("mt5_run")
    config = GeneratorTrainingConfig(learning_rate=1e-2, batch_size=9, gradient_accumulation_steps=1, max_steps=80,
                                     eval_every=40, max_input_length=32, seed=313)
    return out, train_query_generator(PAIRS, PAIRS, tiny_mt5, config, out, progress=False, threads=1)


@pytest.fixture(scope="package")
def trained_bert2bert(tiny_bert, tmp_path_factory):
    out = tmp_path_factory.mktemp("b2b_run")
    config = GeneratorTrainingConfig(architecture="bert2bert", prompt_style="language_token", learning_rate=3e-3, batch_size=9,
                                     gradient_accumulation_steps=1, max_steps=80, eval_every=40, decoder_layers=2,
                                     trim_vocabulary=True, max_input_length=32)
    return out, train_query_generator(PAIRS, PAIRS, tiny_bert, config, out, progress=False, threads=1)
