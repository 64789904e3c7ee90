"""What a query-generator folder holds and how to load it safely; the two prompt styles.

A generator folder is an ordinary Hugging Face seq2seq model folder (``config.json``,
``model.safetensors``, tokenizer files) plus, for the models this package trains:
- ``vocabulary_map.json`` (see :mod:`xqg.generation.vocabulary`) when the vocabulary was trimmed or
  model-only language tokens were added;
- ``xqg_generator.json``: the prompt style and the model rows of the language tokens.
A folder without them (e.g. the released ``ielabgroup/xor-tydi-docTquery-mt5-base``) is read as an
untrimmed model with the paper's text prompt.

Prompt styles
- ``"text"`` (the paper): encoder input ``Generate a {Language} question for this passage: {title}
  {passage}``; the decoder starts from the model's decoder start token. One encoder pass per
  (passage, language).
- ``"language_token"`` (our cheaper variant, a documented deviation): encoder input ``{title} {passage}``;
  the decoder starts from [start, <lang>] where <lang> is a model-only row per language, initialised from
  the embeddings of the language's English name. One encoder pass per passage serves all 7 languages.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch

from xqg.checkpoints import from_pretrained
from xqg.files import atomic_open
from xqg.languages import LANGUAGE_INFO, check_language
from xqg.generation.vocabulary import VocabularyMap

PromptStyle = Literal["text", "language_token"]
METADATA_FILE = "xqg_generator.json"


def text_prompt(title: str, passage_text: str, lang: str) -> str:
    """The xQG prompt (ielab/xQG4xDR); "a" is kept before every language name, as in the released code."""
    name = LANGUAGE_INFO[check_language(lang)].name
    return f"Generate a {name} question for this passage: {passage_body(title, passage_text)}"


def passage_body(title: str, passage_text: str) -> str:
    return f"{title} {passage_text}" if title else passage_text


def encoder_text(title: str, passage_text: str, lang: str, prompt_style: PromptStyle) -> str:
    if prompt_style == "text":
        return text_prompt(title, passage_text, lang)
    if prompt_style == "language_token":
        return passage_body(title, passage_text)
    raise ValueError(f"unknown prompt_style {prompt_style!r}; expected 'text' or 'language_token'")


@dataclass(frozen=True)
class GeneratorMetadata:
    prompt_style: PromptStyle = "text"
    architecture: str = "seq2seq"
    # model rows (not tokenizer ids) of the per-language decoder tokens, for prompt_style "language_token"
    language_rows: dict[str, int] = field(default_factory=dict)

    def save(self, folder: str | os.PathLike) -> None:
        with atomic_open(Path(folder) / METADATA_FILE) as handle:
            json.dump({"prompt_style": self.prompt_style, "architecture": self.architecture,
                       "language_rows": self.language_rows}, handle, indent=1)

    @classmethod
    def load(cls, folder: str | os.PathLike) -> "GeneratorMetadata | None":
        path = Path(folder) / METADATA_FILE
        if not path.is_file():
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
        return cls(record["prompt_style"], record["architecture"], {k: int(v) for k, v in record["language_rows"].items()})


@dataclass
class LoadedGenerator:
    tokenizer: object
    model: torch.nn.Module
    vocabulary: VocabularyMap
    metadata: GeneratorMetadata

    def decoder_prefix(self, lang: str) -> list[int]:
        """Model rows the decoder starts from for a question in ``lang``."""
        start = self.model.config.decoder_start_token_id
        if start is None:
            raise ValueError("the model config has no decoder_start_token_id")
        if self.metadata.prompt_style == "language_token":
            if lang not in self.metadata.language_rows:
                raise ValueError(f"this generator has no language token for {lang!r} (has {sorted(self.metadata.language_rows)})")
            return [start, self.metadata.language_rows[lang]]
        return [start]

    @property
    def eos_row(self) -> int:
        return self.model.config.eos_token_id

    @property
    def pad_row(self) -> int:
        return self.model.config.pad_token_id


def tokenizer_eos_id(tokenizer) -> int:
    eos = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else tokenizer.sep_token_id
    if eos is None:
        raise ValueError("the tokenizer has neither an eos nor a sep token")
    return eos


def load_generator(model_dir: str, *, prompt_style: PromptStyle | None = None, local_files_only: bool = False) -> LoadedGenerator:
    """Load (tokenizer, model, vocabulary map, metadata): never trust_remote_code, safetensors or checked
    pickle weights (``xqg.checkpoints``).

    ``prompt_style`` overrides nothing for our own folders (their metadata says which style they were
    trained with; a mismatch is an error) and chooses the style for foreign models (default "text").
    """
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=False, local_files_only=local_files_only)
    model = from_pretrained(AutoModelForSeq2SeqLM, model_dir, what=f"the generator {model_dir!r} (generators.*.model)",
                            local_files_only=local_files_only)
    model.eval()
    metadata = GeneratorMetadata.load(model_dir) if Path(model_dir).is_dir() else None
    if metadata is None:
        metadata = GeneratorMetadata(prompt_style or "text", "seq2seq", {})
        if metadata.prompt_style == "language_token":
            raise ValueError(f"{model_dir} has no {METADATA_FILE}: a foreign model has no language tokens; use prompt_style='text'")
    elif prompt_style is not None and prompt_style != metadata.prompt_style:
        raise ValueError(f"{model_dir} was trained with prompt_style {metadata.prompt_style!r}, not {prompt_style!r}")
    vocabulary = (VocabularyMap.load(model_dir) if Path(model_dir).is_dir() else None) or VocabularyMap(
        len(tokenizer), tokenizer.unk_token_id if tokenizer.unk_token_id is not None else 0)
    return LoadedGenerator(tokenizer, model, vocabulary, metadata)


def save_generator(generator: LoadedGenerator, folder: str | os.PathLike) -> None:
    """Write a generator folder (safetensors weights, tokenizer, vocabulary map, metadata)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    generator.model.save_pretrained(folder, safe_serialization=True)
    generator.tokenizer.save_pretrained(folder)
    if not generator.vocabulary.is_identity:
        generator.vocabulary.save(folder)
    generator.metadata.save(folder)
