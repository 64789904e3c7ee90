"""A retriever's tokenizer, loaded once per process and quickly.

transformers 5 rebuilds a sentencepiece-style tokenizer (XLM-R's, and so multilingual-e5's) from its
250k-entry vocabulary on every load: about 2.2 s a job here, in every encoding, training and attack job.
The tokenizer it builds is saved once as a plain ``tokenizers`` pipeline (``tokenizer.json`` with its
special tokens, loaded by transformers' generic ``TokenizersBackend``), which loads in about 0.9 s
(``benchmarks/bench_encoder_loading.py``).

The cached form is used only if it gives the same token ids and vocabulary as the full load, checked when
the entry is built on multilingual probe texts (:data:`xqg.probe_sentences.SENTENCES`, with and
without the e5 prefixes) and edge cases (empty and whitespace-only texts, special tokens in text, rare
Unicode); otherwise the full load is kept and the log says why. Entries live beside the model folder
(``<model>.tokenizer/<key>/``, or in ``$XQG_TOKENIZER_CACHE``; :mod:`xqg.model_cache`); the key hashes
every tokenizer file of the model and the versions of transformers and tokenizers. Where no entry can be
written (a read-only place), the full load is used and the log says so: the cache only saves time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from importlib import metadata
from pathlib import Path

from xqg.model_cache import build_once, cache_root
from xqg.probe_sentences import SENTENCES

log = logging.getLogger(__name__)

CACHE_ENV = "XQG_TOKENIZER_CACHE"
CACHE_FORMAT = 1  # bump when what an entry holds changes
GENERIC_CLASS = "TokenizersBackend"  # transformers 5's tokenizer straight from a tokenizer.json
# what a tokenizer is made of (weights and the model config are not)
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
                   "sentencepiece.bpe.model", "spiece.model", "vocab.txt", "vocab.json", "merges.txt")
EDGE_CASES = ["", " ", "   ", "\t", "<mask>", "a <mask> b", "<s>x</s>", "<pad><unk>", "\u00a0x", "x\u200by", "A\u0301",
              "\ufb01", "\u2460", "\uff21\uff22", "e\u0301te\u0301", "emoji \U0001f600!", "tab\there", "line\nbreak"]


@functools.lru_cache(maxsize=4)
def load_tokenizer(model: str | os.PathLike):
    """The tokenizer of a model folder (or hub id): the cached fast form where it is equivalent, else the
    full ``AutoTokenizer`` load. Never ``trust_remote_code``."""
    model = str(model)
    if not Path(model).is_dir():
        return _full_load(model)  # a hub id: nothing local to hash
    key = _key(Path(model))
    if key is None:
        return _full_load(model)
    root = cache_root(model, "tokenizer", CACHE_ENV)
    try:
        entry = build_once(root, key, _complete, lambda tmp: _build(model, tmp))
    except OSError as error:  # a read-only place: the cache is only a speed-up, the full load is the same tokenizer
        log.warning("tokenizer of %s: the full load (its fast copy cannot be cached in %s: %s)", model, root, error)
        return _full_load(model)
    verdict = json.loads((entry / "verdict.json").read_text(encoding="utf-8"))
    if not verdict["equivalent"]:
        log.info("tokenizer of %s: the full load (%s)", model, verdict["reason"])
        return _full_load(model)
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(entry / "tokenizer"), trust_remote_code=False, local_files_only=True)


def _full_load(model: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model, trust_remote_code=False, local_files_only=Path(model).is_dir())


def _key(folder: Path) -> str | None:
    files = [folder / name for name in TOKENIZER_FILES if (folder / name).is_file()]
    if not any(path.name == "tokenizer.json" for path in files):
        return None  # no fast tokenizer file: transformers converts one, which this cache does not cover
    digest = hashlib.sha256(json.dumps({"format": CACHE_FORMAT, "versions": _versions()}, sort_keys=True).encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:24]


@functools.lru_cache(maxsize=1)
def _versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in ("transformers", "tokenizers")}


def _complete(entry: Path) -> bool:
    return (entry / "verdict.json").is_file()


def _build(model: str, folder: Path) -> None:
    """Save the fully loaded tokenizer as a generic one in FOLDER/tokenizer and record whether it is equivalent."""
    full = _full_load(model)
    verdict = {"equivalent": False, "reason": f"{type(full).__name__} loads as it is"}
    if type(full).__name__ != GENERIC_CLASS:
        full.save_pretrained(str(folder / "tokenizer"))
        config_path = folder / "tokenizer" / "tokenizer_config.json"
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config["tokenizer_class"] = GENERIC_CLASS
        config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
        from transformers import AutoTokenizer

        fast = AutoTokenizer.from_pretrained(str(folder / "tokenizer"), trust_remote_code=False, local_files_only=True)
        reason = _difference(full, fast)
        verdict = {"equivalent": reason is None, "reason": reason or f"{type(full).__name__} saved as {GENERIC_CLASS}"}
    (folder / "verdict.json").write_text(json.dumps({"model": model, **verdict}, indent=2), encoding="utf-8")


def _difference(full, fast) -> str | None:
    """Why ``fast`` is not a stand-in for ``full`` on the probe texts, or None."""
    sentences = [s for group in SENTENCES.values() for s in group] + EDGE_CASES
    texts = sentences + [f"query: {s}" for s in sentences] + [f"passage: {s}" for s in sentences]
    for options in ({"truncation": True, "max_length": 16}, {"truncation": True, "max_length": 512}, {}):
        ids, fast_ids = full(texts, **options)["input_ids"], fast(texts, **options)["input_ids"]
        differing = [text for text, a, b in zip(texts, ids, fast_ids) if a != b]
        if differing:
            return f"token ids differ on {len(differing)} probe texts, e.g. {differing[0]!r} ({options or 'no options'})"
    if full.get_vocab() != fast.get_vocab():
        return "the vocabularies differ"
    for name in ("pad_token_id", "cls_token_id", "sep_token_id", "unk_token_id", "mask_token_id", "all_special_ids"):
        if getattr(full, name) != getattr(fast, name):
            return f"{name} differs"
    return None
