"""Tiny random models with word-level tokenizers, built in a test's folder (no downloads)."""

from __future__ import annotations

from pathlib import Path

import torch

WORDS = [f"w{i}" for i in range(40)] + ["title", "passage", "question", "Generate", "a", "for", "this", "Russian",
                                       "Finnish", "Japanese", ":"]


def _word_tokenizer(specials: list[str], template: str, special_ids: list[tuple[str, int]], **names):
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(specials + WORDS)}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token=names["unk_token"]))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.post_processor = processors.TemplateProcessing(single=template, special_tokens=special_ids)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, **names), len(vocab)


def save_tiny_bert(folder: str | Path) -> str:
    """A 2-layer BERT encoder ([CLS] text [SEP]) over :data:`WORDS`."""
    from transformers import BertConfig, BertModel

    tokenizer, size = _word_tokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]"], "[CLS] $A [SEP]", [("[CLS]", 2), ("[SEP]", 3)],
                                      pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                        max_position_embeddings=128, pad_token_id=0)
    BertModel(config, add_pooling_layer=False).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return str(folder)


def save_tiny_mt5(folder: str | Path) -> str:
    """A 2-layer mT5 (text $A </s>) over :data:`WORDS`, untrained: a foreign generator (the "text" prompt)."""
    from transformers import MT5Config, MT5ForConditionalGeneration

    tokenizer, size = _word_tokenizer(["<pad>", "</s>", "<unk>"], "$A </s>", [("</s>", 1)],
                                      pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    torch.manual_seed(0)
    config = MT5Config(vocab_size=size, d_model=16, d_kv=4, d_ff=32, num_layers=1, num_decoder_layers=1, num_heads=2,
                       pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, tie_word_embeddings=False)
    MT5ForConditionalGeneration(config).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return str(folder)
