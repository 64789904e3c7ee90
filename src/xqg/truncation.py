"""How many texts a tokenizer truncated to the model's maximum length, so that rules log it per file.

Encoding and generation tokenise with ``truncation=True``: a passage or question longer than the
model's maximum length loses its tail silently. Two ways to count that:

- :func:`counting_truncation` opens a counter for a block; the tokenising code calls
  :func:`record_truncation` after each tokenizer call (a no-op when no counter is open), so a rule
  counts what it truncated, per output file, at no extra tokenisation cost with a fast tokenizer::

      with counting_truncation() as counted:
          encode_queries(pairs, out_npy, spec)
      log.info("%s", counted.describe("dev.jsonl", "queries"))

- :func:`count_truncated` tokenises texts once more to count (for training data, counted once before
  training rather than at every step).

A fast tokenizer keeps what truncation cut off in each encoding's ``overflowing`` list, so a text was
truncated exactly when that list is not empty; other tokenizers are asked for the untruncated length.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field

_OPEN: ContextVar[tuple["TruncationCount", ...]] = ContextVar("xqg_truncation_counters", default=())


@dataclass
class TruncationCount:
    """Texts tokenised and how many of them were longer than ``max_lengths`` (and so truncated)."""

    texts: int = 0
    truncated: int = 0
    max_lengths: set[int] = field(default_factory=set)

    def add(self, texts: int, truncated: int, max_length: int) -> None:
        self.texts += texts
        self.truncated += truncated
        self.max_lengths.add(int(max_length))

    def describe(self, source: str | os.PathLike, what: str) -> str:
        """E.g. ``corpus.tsv: 3 of 650 passages longer than 128 tokens, truncated to it``."""
        limit = "/".join(str(n) for n in sorted(self.max_lengths)) or "?"
        return f"{source}: {self.truncated} of {self.texts} {what} longer than {limit} tokens, truncated to it"


@contextlib.contextmanager
def counting_truncation() -> Iterator[TruncationCount]:
    """Count, in the returned object, every text that :func:`record_truncation` sees during the block."""
    count = TruncationCount()
    token = _OPEN.set(_OPEN.get() + (count,))
    try:
        yield count
    finally:
        _OPEN.reset(token)


def truncated_flags(batch, tokenizer, texts: Sequence[str], max_length: int, *, add_special_tokens: bool = True) -> list[bool]:
    """Per text of a ``tokenizer(texts, truncation=True, max_length=max_length)`` call: was it truncated?"""
    encodings = getattr(batch, "encodings", None)
    if encodings is not None and len(encodings) == len(texts):
        return [bool(encoding.overflowing) for encoding in encodings]
    full = tokenizer(list(texts), add_special_tokens=add_special_tokens, truncation=False)["input_ids"]
    return [len(ids) > max_length for ids in full]


def record_truncation(batch, tokenizer, texts: Sequence[str], max_length: int, *, weights: Sequence[int] | None = None,
                      add_special_tokens: bool = True) -> None:
    """Add a tokenizer call's truncations to every open counter; ``weights[i]`` counts text i that many times
    (texts deduplicated before tokenising). Does nothing when no counter is open."""
    counters = _OPEN.get()
    if not counters:
        return
    flags = truncated_flags(batch, tokenizer, texts, max_length, add_special_tokens=add_special_tokens)
    weights = [1] * len(flags) if weights is None else [int(w) for w in weights]
    total, truncated = sum(weights), sum(w for w, flag in zip(weights, flags, strict=True) if flag)
    for counter in counters:
        counter.add(total, truncated, max_length)


def count_truncated(tokenizer, texts: Iterable[str], max_length: int, *, add_special_tokens: bool = True,
                    batch_size: int = 4096) -> TruncationCount:
    """Tokenise ``texts`` as the model would (``truncation=True``) and count those longer than ``max_length``."""
    count = TruncationCount()
    count.max_lengths.add(int(max_length))
    chunk: list[str] = []

    def flush() -> None:
        batch = tokenizer(chunk, truncation=True, max_length=max_length, add_special_tokens=add_special_tokens)
        flags = truncated_flags(batch, tokenizer, chunk, max_length, add_special_tokens=add_special_tokens)
        count.add(len(flags), sum(flags), max_length)

    for text in texts:
        chunk.append(text)
        if len(chunk) == batch_size:
            flush()
            chunk = []
    if chunk:
        flush()
    return count
