"""xqg.file_errors: errors about a file's content name the file."""

from __future__ import annotations

import pytest

from xqg.file_errors import naming_files
from xqg.formats import InputFormatError


def test_naming_files_puts_the_files_in_front():
    with pytest.raises(ValueError, match=r"^data/outcomes\.csv: Table 1 found nothing$"):
        with naming_files("data/outcomes.csv"):
            raise ValueError("Table 1 found nothing")
    with pytest.raises(ValueError, match=r"^a\.tsv, b\.json: passage 'p9' is unknown$"):
        with naming_files("a.tsv", "b.json"):
            raise KeyError("passage 'p9' is unknown")
    with pytest.raises(ValueError, match=r"^b\.json: line 3 is bad$"):  # already named: unchanged
        with naming_files("a.tsv", "b.json"):
            raise ValueError("b.json: line 3 is bad")
    with pytest.raises(InputFormatError, match=r"^c\.tsv, line 2"):
        with naming_files("a.tsv"):
            raise InputFormatError("c.tsv", 2, None, "bad")
    with pytest.raises(TypeError):  # not a data error: untouched
        with naming_files("a.tsv"):
            raise TypeError("a bug")
