"""Tiny random BERT and XLM-R encoders with a word-level English vocabulary (no downloads), for the
encoding tests."""

from __future__ import annotations

import torch


WORDS = "the a of river city capital population who when where what is was built largest first king queen".split()
SENTENCES = [
    "who built the city",
    "what is the capital",
    "the largest river of the city was built first",
    "king",
    "when was the first queen of the river city the capital of the king",
    "where is the largest population",
    "a city",
    "the population of the capital city is the largest of the river",
]


def _tokenizer(special: dict[str, str]):
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    order = [special["cls"], special["pad"], special["sep"], special["unk"], "q:", "p:"] + WORDS
    vocab = {token: index for index, token in enumerate(order)}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token=special["unk"]))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{special['cls']} $A {special['sep']}",
        special_tokens=[(special["cls"], vocab[special["cls"]]), (special["sep"], vocab[special["sep"]])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, cls_token=special["cls"], sep_token=special["sep"], pad_token=special["pad"], unk_token=special["unk"]
    ), len(vocab)


def save_tiny_encoder(folder, architecture: str) -> str:
    """A 2-layer random "bert" or "xlm-roberta" encoder over :data:`WORDS`, saved (safetensors) in ``folder``."""
    from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

    torch.manual_seed(0)
    if architecture == "bert":
        tokenizer, size = _tokenizer({"cls": "[CLS]", "pad": "[PAD]", "sep": "[SEP]", "unk": "[UNK]"})
        config = BertConfig(vocab_size=size, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
                            max_position_embeddings=64, pad_token_id=1)
        model = BertModel(config, add_pooling_layer=False)
    else:
        tokenizer, size = _tokenizer({"cls": "<s>", "pad": "<pad>", "sep": "</s>", "unk": "<unk>"})
        config = XLMRobertaConfig(vocab_size=size, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
                                  max_position_embeddings=70, pad_token_id=1)
        model = XLMRobertaModel(config, add_pooling_layer=False)
    model.save_pretrained(folder)  # safetensors
    tokenizer.save_pretrained(folder)
    return str(folder)
