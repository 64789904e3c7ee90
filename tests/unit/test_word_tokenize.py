"""xqg.word_tokenize: nltk.word_tokenize without NLTK's run-time download of the Punkt model."""

from __future__ import annotations

import json
import subprocess
import sys

import nltk
import pytest

from tests.helpers.paths import DATA
from xqg.word_tokenize import word_tokenize, write_punkt_tab

VECTORS = DATA / "xor_eval_vectors"


# Inputs and outputs printed in NLTK's own doctests (nltk/test/tokenize.doctest).
NLTK_DOCTEST = [
    ("On a $50,000 mortgage of 30 years at 8 percent, the monthly payment would be $366.88.",
     ["On", "a", "$", "50,000", "mortgage", "of", "30", "years", "at", "8", "percent", ",", "the", "monthly",
      "payment", "would", "be", "$", "366.88", "."]),
    ('"We beat some pretty good teams to get here," Slocum said.',
     ["``", "We", "beat", "some", "pretty", "good", "teams", "to", "get", "here", ",", "''", "Slocum", "said", "."]),
    ("Well, we couldn't have this predictable, cliche-ridden, \"Touched by an Angel\" (a show creator John "
     "Masius worked on) wanna-be if she didn't.",
     ["Well", ",", "we", "could", "n't", "have", "this", "predictable", ",", "cliche-ridden", ",", "``", "Touched",
      "by", "an", "Angel", "''", "(", "a", "show", "creator", "John", "Masius", "worked", "on", ")", "wanna-be",
      "if", "she", "did", "n't", "."]),
    ("I cannot cannot work under these conditions!", ["I", "can", "not", "can", "not", "work", "under", "these", "conditions", "!"]),
    ("The company spent $30,000,000 last year.", ["The", "company", "spent", "$", "30,000,000", "last", "year", "."]),
    ("The company spent 40.75% of its income last year.",
     ["The", "company", "spent", "40.75", "%", "of", "its", "income", "last", "year", "."]),
    ("He arrived at 3:00 pm.", ["He", "arrived", "at", "3:00", "pm", "."]),
    ("I bought these items: books, pencils, and pens.",
     ["I", "bought", "these", "items", ":", "books", ",", "pencils", ",", "and", "pens", "."]),
    ("Though there were 150, 100 of them were old.", ["Though", "there", "were", "150", ",", "100", "of", "them", "were", "old", "."]),
    ("There were 300,000, but that wasn't enough.", ["There", "were", "300,000", ",", "but", "that", "was", "n't", "enough", "."]),
    ("It's more'n enough.", ["It", "'s", "more", "'n", "enough", "."]),
    ("The unicode 201C and 201D \u201cLEFT(RIGHT) DOUBLE QUOTATION MARK\u201d is also OPEN_PUNCT and CLOSE_PUNCT.",
     ["The", "unicode", "201C", "and", "201D", "\u201c", "LEFT", "(", "RIGHT", ")", "DOUBLE", "QUOTATION", "MARK",
      "\u201d", "is", "also", "OPEN_PUNCT", "and", "CLOSE_PUNCT", "."]),
    # These two depend on the Punkt model: "Dr." is an abbreviation, "usw." is not one in English.
    ("I called Dr. Jones. I called Dr. Jones.", ["I", "called", "Dr.", "Jones", ".", "I", "called", "Dr.", "Jones", "."]),
    ("Ich muss unbedingt daran denken, Mehl, usw. fur einen Kuchen einzukaufen. Ich muss.",
     ["Ich", "muss", "unbedingt", "daran", "denken", ",", "Mehl", ",", "usw", ".", "fur", "einen", "Kuchen",
      "einzukaufen", ".", "Ich", "muss", "."]),
]


@pytest.mark.parametrize(("text", "expected"), NLTK_DOCTEST)
def test_word_tokenize_matches_nltk_doctest_outputs(text, expected):
    assert word_tokenize(text) == expected


def test_word_tokenize_equals_nltk_word_tokenize_on_the_same_tables(tmp_path, monkeypatch):
    """NLTK's own loader and word_tokenize, reading the tables in its punkt_tab layout, agree with ours."""
    monkeypatch.setattr(nltk.data, "path", [str(write_punkt_tab(tmp_path))] + list(nltk.data.path))
    passages = json.loads((VECTORS / "synthetic.json").read_text(encoding="utf-8"))["passages"]
    texts = [text for text, _ in NLTK_DOCTEST] + list(passages.values())[:80]  # nltk reloads the tables per call
    for text in texts:
        assert word_tokenize(text) == nltk.word_tokenize(text), text


def test_importing_it_first_leaves_nltk_whole_and_unimported(tmp_path):
    """A fresh interpreter: xqg.word_tokenize loads NLTK's two tokenizer modules without NLTK's package
    init (scipy, scikit-learn), leaves no nltk module behind, and a later ``import nltk`` still works
    and agrees with it."""
    code = f"""
import sys
from xqg.word_tokenize import word_tokenize, write_punkt_tab
assert not [name for name in sys.modules if name.split(".")[0] in ("nltk", "sklearn")], "NLTK left behind"
import nltk
nltk.data.path.insert(0, str(write_punkt_tab({str(tmp_path)!r})))
for text in {[text for text, _ in NLTK_DOCTEST]!r}:
    assert word_tokenize(text) == nltk.word_tokenize(text), text
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
