"""How a backbone turns text into a vector: the contract shared by training, encoding and search.

Tevatron (the paper's xDR): [CLS] pooling, no prefix, no normalisation, dot product.
multilingual-e5 (the embedded default): mean pooling, "query: " / "passage: " prefixes, L2-normalised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

Pooling = Literal["cls", "mean"]


@dataclass(frozen=True)
class EncoderSpec:
    model: str  # a Hugging Face hub id or a local folder
    pooling: Pooling = "cls"
    query_prefix: str = ""
    passage_prefix: str = ""
    normalize: bool = False
    max_query_length: int = 32
    max_passage_length: int = 128

    def query_text(self, text: str) -> str:
        return self.query_prefix + text

    def passage_text(self, title: str, text: str) -> str:
        # Tevatron's XOR-TyDi passages are "title text" (a space, no separator token).
        body = f"{title} {text}" if title else text
        return self.passage_prefix + body


def pool(last_hidden_state: torch.Tensor, attention_mask: torch.Tensor, pooling: Pooling) -> torch.Tensor:
    """Pool token states (batch, seq, dim) into one vector per sequence."""
    if pooling == "cls":
        return last_hidden_state[:, 0]
    if pooling == "mean":
        mask = attention_mask.unsqueeze(-1).to(last_hidden_state.dtype)
        return (last_hidden_state * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    raise ValueError(f"unknown pooling {pooling!r}; expected 'cls' or 'mean'")


def embed(model: torch.nn.Module, batch: dict[str, torch.Tensor], spec: EncoderSpec) -> torch.Tensor:
    """Forward a tokenised batch (``input_ids``, or their word embeddings as ``inputs_embeds`` with
    ``position_ids``, and ``attention_mask``) and pool (and normalise, if the spec says so)."""
    tokens = {"inputs_embeds": batch["inputs_embeds"]} if "inputs_embeds" in batch else {"input_ids": batch["input_ids"]}
    if "position_ids" in batch:
        tokens["position_ids"] = batch["position_ids"]
    output = model(**tokens, attention_mask=batch["attention_mask"])
    vectors = pool(output.last_hidden_state, batch["attention_mask"], spec.pooling)
    if spec.normalize:
        vectors = torch.nn.functional.normalize(vectors, dim=-1)
    return vectors


def load_encoder(model: str, *, local_files_only: bool = False, what: str = "the encoder (backbones.*.model)"):
    """Load (tokenizer, model) safely: never trust_remote_code, safetensors or checked pickle weights
    (``xqg.checkpoints``). ``what`` names the model in errors."""
    from transformers import AutoModel

    from xqg.checkpoints import from_pretrained
    from xqg.tokenizer_loading import load_tokenizer

    tokenizer = load_tokenizer(model)
    pooler = {"add_pooling_layer": False} if _is_bert_like(model, local_files_only) else {}
    encoder = from_pretrained(AutoModel, model, what=what, local_files_only=local_files_only, **pooler)
    return tokenizer, encoder


def _is_bert_like(model: str, local_files_only: bool) -> bool:
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(model, trust_remote_code=False, local_files_only=local_files_only)
    return config.model_type in {"bert", "xlm-roberta", "roberta"}
