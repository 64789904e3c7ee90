"""The model a query generator is trained from, built and warm-started before training starts.

Either a pretrained seq2seq checkpoint (the paper's google/mt5-base), or, as the offline default (no
seq2seq model can be downloaded), a bert2bert ``EncoderDecoderModel`` warm-started from a BERT encoder
folder: the encoder as is, a shallow decoder whose layers are evenly spaced copies of encoder layers
(cross-attention freshly initialised). When asked, the vocabulary is trimmed to the pieces of the
corpus and the training questions (:mod:`xqg.generation.vocabulary`), and language tokens are added for
``prompt_style="language_token"`` (:mod:`xqg.generation.generator`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import torch

from xqg.checkpoints import from_pretrained
from xqg.generation.generator import GeneratorMetadata, LoadedGenerator, tokenizer_eos_id
from xqg.generation.vocabulary import (build_vocabulary_map, collect_used_token_ids, remap_model_vocabulary,
                                       set_config_vocabulary_size)
from xqg.languages import LANGUAGE_INFO, LANGUAGES

if TYPE_CHECKING:
    from xqg.generation.generator_training import GeneratorTrainingConfig


def decoder_layer_sources(encoder_layers: int, decoder_layers: int) -> list[int]:
    """Which encoder layers initialise the decoder's: evenly spaced, always the first and the last."""
    if not 1 <= decoder_layers <= encoder_layers:
        raise ValueError(f"decoder_layers must be in 1..{encoder_layers}, got {decoder_layers}")
    if decoder_layers == 1:
        return [0]
    return [round(i * (encoder_layers - 1) / (decoder_layers - 1)) for i in range(decoder_layers)]


def build_bert2bert(encoder_dir: str, decoder_layers: int, tokenizer) -> torch.nn.Module:
    """An ``EncoderDecoderModel``: the BERT encoder from ``encoder_dir`` and a shallow BERT decoder whose
    embeddings and self-attention/FFN layers are copies of encoder layers; cross-attention and the LM-head
    transform are freshly initialised; the output layer is tied to the decoder's input embeddings."""
    from transformers import AutoModel, BertConfig, BertLMHeadModel, EncoderDecoderModel

    encoder = from_pretrained(AutoModel, encoder_dir, what=f"the bert2bert encoder {encoder_dir!r} (generators.*.base)",
                              add_pooling_layer=False)
    if encoder.config.model_type != "bert":
        raise ValueError(f"{encoder_dir}: bert2bert needs a BERT encoder folder, got model_type {encoder.config.model_type!r}")
    settings = encoder.config.to_dict()
    settings.update(num_hidden_layers=decoder_layers, is_decoder=True, add_cross_attention=True, tie_word_embeddings=True)
    for key in ("architectures", "_name_or_path", "transformers_version", "model_type"):
        settings.pop(key, None)
    decoder = BertLMHeadModel(BertConfig(**settings))
    decoder.bert.embeddings.load_state_dict(encoder.embeddings.state_dict())
    for target, source in enumerate(decoder_layer_sources(encoder.config.num_hidden_layers, decoder_layers)):
        missing, unexpected = decoder.bert.encoder.layer[target].load_state_dict(encoder.encoder.layer[source].state_dict(), strict=False)
        if unexpected or any("crossattention" not in key for key in missing):
            raise RuntimeError(f"decoder layer {target}: unexpected {unexpected}, missing {missing}")
    decoder.tie_weights()
    model = EncoderDecoderModel(encoder=encoder, decoder=decoder)
    bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.cls_token_id
    model.config.decoder_start_token_id = bos
    model.config.eos_token_id = tokenizer_eos_id(tokenizer)
    model.config.pad_token_id = tokenizer.pad_token_id
    return model


def prepare_generator(base_model: str, config: GeneratorTrainingConfig, vocabulary_texts: Iterable[str]) -> LoadedGenerator:
    """Load or build the model, trim its vocabulary to ``vocabulary_texts`` if asked, add language tokens."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_model, trust_remote_code=False)
    if config.architecture == "bert2bert":
        model = build_bert2bert(base_model, config.decoder_layers, tokenizer)
    else:
        model = from_pretrained(AutoModelForSeq2SeqLM, base_model, what=f"the generator base {base_model!r} (generators.*.base)")
    if model.config.decoder_start_token_id is None or model.config.pad_token_id is None:
        raise ValueError(f"{base_model}: the config needs decoder_start_token_id and pad_token_id")
    if model.config.eos_token_id is None:
        model.config.eos_token_id = tokenizer_eos_id(tokenizer)
    old_size = model.get_output_embeddings().out_features
    languages = list(LANGUAGES) if config.prompt_style == "language_token" else []
    used = collect_used_token_ids(tokenizer, vocabulary_texts) if config.trim_vocabulary else None
    vocabulary = build_vocabulary_map(tokenizer, used, n_extra=len(languages))
    if not vocabulary.is_identity:
        # a language token starts as the mean embedding of its English name's pieces
        names = [tokenizer(LANGUAGE_INFO[lang].name, add_special_tokens=False)["input_ids"] for lang in languages]
        remap_model_vocabulary(model, vocabulary, old_size, names)
        set_config_vocabulary_size(model.config, vocabulary.model_size)
        for key in ("decoder_start_token_id", "pad_token_id", "eos_token_id"):
            setattr(model.config, key, vocabulary.model_id(getattr(model.config, key)))
    if model.generation_config is not None:
        for key in ("decoder_start_token_id", "pad_token_id", "eos_token_id"):
            setattr(model.generation_config, key, getattr(model.config, key))
    rows = {lang: vocabulary.extra_row(j) for j, lang in enumerate(languages)}
    return LoadedGenerator(tokenizer, model, vocabulary, GeneratorMetadata(config.prompt_style, config.architecture, rows))
