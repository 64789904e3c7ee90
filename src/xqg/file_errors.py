"""Errors about a file's content name the file.

Library functions work on records, not files (a DataFrame of outcomes, a list of passages), so their
errors say what is wrong but not where it came from. A rule script wraps such a call in
:func:`naming_files` with the input files it read; an error that does not already name one of them
is raised again with the files in front::

    with naming_files(snakemake.input.outcomes):
        table = table1(read_outcomes(snakemake.input.outcomes), ...)
    # ValueError: results/ci/outcomes.csv: Table 1: the outcomes hold no rows of the clean query set
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from xqg.formats import InputFormatError


def _message(error: BaseException) -> str:
    # str(KeyError("x")) is "'x'": take the argument itself
    return str(error.args[0]) if isinstance(error, KeyError) and len(error.args) == 1 else str(error)


@contextlib.contextmanager
def naming_files(*paths: str | os.PathLike) -> Iterator[None]:
    """Raise a ValueError or KeyError of the block again as a ValueError that starts with ``paths``,
    unless it names one of them already (an :class:`~xqg.formats.InputFormatError` always does)."""
    names = [str(path) for path in paths if path is not None and str(path)]
    try:
        yield
    except InputFormatError:
        raise
    except (ValueError, KeyError) as error:
        message = _message(error)
        if not names or any(name in message for name in names):
            raise
        raise ValueError(f"{', '.join(names)}: {message}") from error


def read_csv(path: str | os.PathLike, **options):
    """``pandas.read_csv`` whose errors (an empty file, a malformed row) name the file."""
    import pandas as pd

    with naming_files(path):
        return pd.read_csv(path, **options)
