"""Vector files: memory-mappable float16 arrays with their ids beside them.

A *vector set* is ``NAME.npy`` (float16, shape (n, dim); ``np.load(mmap_mode="r")`` maps it without
reading it) plus ``NAME.ids.txt`` (one id per line, row order). ``.npz`` is avoided: it cannot be mapped.

A *generated-query vector set* (one per generated-query file) is laid out so that fusion can take
the first k samples of one language for every passage with one slice, ``vectors[:, lang, :k]``:

- ``NAME.npy``: float16, shape (n_passages, n_languages, n_samples, dim); a missing sample is a row of NaN
- ``NAME.ids.txt``: the passage ids, in row order
- ``NAME.counts.npy``: int32, shape (n_passages, n_languages), the number of samples present
  (always the first ``count`` samples: generation order is kept)
- ``NAME.layout.json``: ``{"layout": "generated_queries/1", "languages": [...], "num_samples": S, "dim": d}``

A *generated-query sums set* holds what fusion needs of them, per passage and k (xqg.fusion):

- ``NAME.npy``: float16, shape (n_passages, len(ks), dim), the sum of the first k queries of every language
- ``NAME.ids.txt``: the passage ids, in row order
- ``NAME.counts.npy``: int32, shape (n_passages, len(ks)), how many queries each sum adds up
- ``NAME.layout.json``: ``{"layout": "generated_query_sums/1", "languages": [...], "ks": [...], "dim": d}``
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from xqg.files import atomic_open, atomic_path
from xqg.formats import InputFormatError

VECTOR_DTYPE = np.float16
_FLOAT16_MAX = float(np.finfo(np.float16).max)
GENERATED_LAYOUT = "generated_queries/1"
SUMS_LAYOUT = "generated_query_sums/1"


def ids_path(path_npy: str | os.PathLike) -> Path:
    """``NAME.npy`` -> ``NAME.ids.txt``."""
    return _sibling(path_npy, ".ids.txt")


def _sibling(path_npy: str | os.PathLike, suffix: str) -> Path:
    path = Path(path_npy)
    if path.suffix != ".npy":
        raise ValueError(f"{path}: a vector file name must end in .npy")
    return path.with_suffix(suffix)


def _check_ids(ids: Sequence[str]) -> None:
    for index, identifier in enumerate(ids):
        if not isinstance(identifier, str) or not identifier or identifier != identifier.strip() or "\n" in identifier:
            raise ValueError(f"id {index} ({identifier!r}) must be a non-empty string without surrounding whitespace or newlines")


def _as_float16(array: np.ndarray) -> np.ndarray:
    """Cast to float16, refusing values that would overflow to infinity (NaN marks missing rows)."""
    array = np.asarray(array)
    if array.dtype != VECTOR_DTYPE:
        finite = np.abs(array[np.isfinite(array)])
        if finite.size and float(finite.max()) > _FLOAT16_MAX:
            raise ValueError(f"vector component {float(finite.max()):.3g} overflows float16 (max {_FLOAT16_MAX:.0f})")
    return array.astype(VECTOR_DTYPE, copy=False)


def write_vectors(path_npy: str | os.PathLike, ids: Sequence[str], array: np.ndarray) -> None:
    """Write a vector set atomically: ``array`` (n, dim) as float16 and ``ids`` one a line."""
    ids, array, id_file = list(ids), np.asarray(array), ids_path(path_npy)
    if array.ndim != 2 or array.shape[0] != len(ids):
        raise ValueError(f"{path_npy}: array of shape {array.shape} does not match {len(ids)} ids")
    _check_ids(ids)
    vectors = _as_float16(array)
    with atomic_open(path_npy, "wb") as handle:  # a handle, since np.save appends .npy to bare names
        np.save(handle, vectors)
    _write_ids(id_file, ids)


def _write_ids(path: Path, ids: Sequence[str]) -> None:
    with atomic_open(path) as handle:
        for identifier in ids:
            handle.write(identifier + "\n")


def read_ids(path: str | os.PathLike) -> list[str]:
    """Read an ids file (one id a line, UTF-8); empty lines and duplicates are errors."""
    ids: list[str] = []
    seen: dict[str, int] = {}
    try:
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    identifier = raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError:
                    raise InputFormatError(path, number, "id", "invalid UTF-8") from None
                if not identifier.strip():
                    raise InputFormatError(path, number, "id", "empty id")
                if identifier in seen:
                    raise InputFormatError(path, number, "id", f"duplicate id {identifier!r} (first on line {seen[identifier]})")
                seen[identifier] = number
                ids.append(identifier)
    except FileNotFoundError:
        raise InputFormatError(path, None, None, "ids file not found (written beside the .npy)") from None
    return ids


def _load_array(path: Path, mmap: bool) -> np.ndarray:
    try:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError:
        raise InputFormatError(path, None, None, "file not found") from None
    except ValueError as error:
        raise InputFormatError(path, None, None, f"not a .npy array ({error})") from None


def read_vectors(path_npy: str | os.PathLike, mmap: bool = True) -> tuple[list[str], np.ndarray]:
    """Read a vector set: (ids, array (n, dim)); the array is memory-mapped read-only unless ``mmap=False``."""
    path = Path(path_npy)
    array = _load_array(path, mmap)
    if array.ndim != 2 or array.dtype.kind != "f":
        raise InputFormatError(path, None, None, f"expected a 2-d float array (n, dim), got {array.dtype} {array.shape}")
    ids = read_ids(ids_path(path))
    if len(ids) != array.shape[0]:
        raise InputFormatError(ids_path(path), None, None, f"{len(ids)} ids for {array.shape[0]} vectors in {path.name}")
    return ids, array


class VectorWriter:
    """Write a vector set of known size shard by shard; memory does not grow with the number of rows.

    Rows go straight into a preallocated memory-mapped ``.npy``; ids stream to their file. Both appear
    under their final names only when all ``num_rows`` rows were written and the writer closes cleanly::

        with VectorWriter("passages.npy", num_rows=n, dim=384) as writer:
            for ids, vectors in batches:
                writer.write(ids, vectors)
    """

    def __init__(self, path_npy: str | os.PathLike, num_rows: int, dim: int):
        self.path = Path(path_npy)
        self.num_rows, self.dim, self.rows_written = num_rows, dim, 0
        self._stack = contextlib.ExitStack()
        try:
            temporary = self._stack.enter_context(atomic_path(self.path))
            self._ids = self._stack.enter_context(atomic_open(ids_path(self.path)))
            self._array = np.lib.format.open_memmap(temporary, mode="w+", dtype=VECTOR_DTYPE, shape=(num_rows, dim))
        except BaseException:
            self._stack.close()
            raise

    def write(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        ids = list(ids)
        vectors = np.asarray(vectors)
        if vectors.shape != (len(ids), self.dim):
            raise ValueError(f"{self.path}: got vectors of shape {vectors.shape} for {len(ids)} ids of dim {self.dim}")
        if self.rows_written + len(ids) > self.num_rows:
            raise ValueError(f"{self.path}: more than the {self.num_rows} rows announced")
        _check_ids(ids)
        self._array[self.rows_written : self.rows_written + len(ids)] = _as_float16(vectors)
        self._ids.writelines(identifier + "\n" for identifier in ids)
        self.rows_written += len(ids)

    def close(self) -> None:
        """Finish: fails (and leaves nothing behind) unless exactly ``num_rows`` rows were written."""
        if self.rows_written != self.num_rows:
            error = ValueError(f"{self.path}: {self.rows_written} rows written, {self.num_rows} announced")
            self._discard(error)
            raise error
        self._array.flush()
        self._array = None  # unmap before the rename
        self._stack.close()

    def _discard(self, error: BaseException) -> None:
        self._array = None
        self._stack.__exit__(type(error), error, error.__traceback__)  # removes the temporary files

    def __enter__(self) -> VectorWriter:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc is None:
            self.close()
        else:
            self._discard(exc)


class GeneratedQueryVectors(NamedTuple):
    passage_ids: list[str]
    languages: list[str]
    vectors: np.ndarray  # (n_passages, n_languages, n_samples, dim), NaN rows where a sample is missing
    counts: np.ndarray  # (n_passages, n_languages) int32: samples present (the first `count`)

    def first_k(self, lang: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Vectors (n_passages, k, dim) of the first k samples in ``lang``, and how many of them exist."""
        index = self.languages.index(lang)
        if k > self.vectors.shape[2]:
            raise ValueError(f"k={k} but only {self.vectors.shape[2]} samples were encoded")
        return self.vectors[:, index, :k], np.minimum(self.counts[:, index], k)


def generated_paths(path_npy: str | os.PathLike) -> dict[str, Path]:
    return {
        "vectors": Path(path_npy),
        "ids": ids_path(path_npy),
        "counts": _sibling(path_npy, ".counts.npy"),
        "layout": _sibling(path_npy, ".layout.json"),
    }


@contextlib.contextmanager
def generated_query_vector_writer(
    path_npy: str | os.PathLike, passage_ids: Sequence[str], languages: Sequence[str], counts: np.ndarray, num_samples: int, dim: int
) -> Iterator[np.ndarray]:
    """Yield a writable memory-mapped (n_passages, n_languages, num_samples, dim) float16 array.

    The caller fills the first ``counts[p, l]`` samples of each passage and language; the rest are set
    to NaN here. All four files appear under their final names only if the block succeeds.
    """
    paths = generated_paths(path_npy)
    counts = np.asarray(counts, dtype=np.int32)
    shape = (len(passage_ids), len(languages), num_samples, dim)
    if counts.shape != shape[:2] or (counts < 0).any() or (counts > num_samples).any():
        raise ValueError(f"counts of shape {counts.shape} must be (n_passages, n_languages) = {shape[:2]} within 0..{num_samples}")
    _check_ids(list(passage_ids))
    with contextlib.ExitStack() as stack:
        temporary = stack.enter_context(atomic_path(paths["vectors"]))
        array = np.lib.format.open_memmap(temporary, mode="w+", dtype=VECTOR_DTYPE, shape=shape)
        yield array
        missing = np.arange(num_samples)[None, None, :] >= counts[:, :, None]
        for start in range(0, shape[0], 65536):  # block-wise, so that memory stays bounded
            block = slice(start, start + 65536)
            array[block][missing[block]] = np.nan
        array.flush()
        del array
        with atomic_open(paths["counts"], "wb") as handle:
            np.save(handle, counts)
        _write_ids(paths["ids"], list(passage_ids))
        with atomic_open(paths["layout"]) as handle:
            layout = {"layout": GENERATED_LAYOUT, "languages": list(languages), "num_samples": num_samples, "dim": dim}
            json.dump(layout, handle, indent=2)


def read_generated_query_vectors(path_npy: str | os.PathLike, mmap: bool = True) -> GeneratedQueryVectors:
    paths = generated_paths(path_npy)
    layout = _read_layout(paths["layout"], GENERATED_LAYOUT)
    languages = layout["languages"]
    vectors = _load_array(paths["vectors"], mmap)
    counts = _load_array(paths["counts"], mmap=False)
    ids = read_ids(paths["ids"])
    expected = (len(ids), len(languages), layout["num_samples"], layout["dim"])
    if vectors.shape != expected:
        raise InputFormatError(paths["vectors"], None, None, f"shape {vectors.shape}, expected {expected} from the ids and layout files")
    if counts.shape != expected[:2]:
        raise InputFormatError(paths["counts"], None, None, f"shape {counts.shape}, expected {expected[:2]}")
    return GeneratedQueryVectors(ids, languages, vectors, counts)


class GeneratedQuerySums(NamedTuple):
    passage_ids: list[str]
    languages: list[str]
    ks: list[int]
    sums: np.ndarray  # (n_passages, len(ks), dim) float16
    counts: np.ndarray  # (n_passages, len(ks)) int32: queries summed


@contextlib.contextmanager
def generated_query_sums_writer(
    path_npy: str | os.PathLike, passage_ids: Sequence[str], languages: Sequence[str], ks: Sequence[int], dim: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield writable (n_passages, len(ks), dim) sums (memory-mapped; float32 assigned is checked and
    stored as float16) and (n_passages, len(ks)) counts; the four files appear only if the block succeeds."""
    paths = generated_paths(path_npy)
    _check_ids(list(passage_ids))
    shape = (len(passage_ids), len(ks), dim)
    with contextlib.ExitStack() as stack:
        temporary = stack.enter_context(atomic_path(paths["vectors"]))
        array = np.lib.format.open_memmap(temporary, mode="w+", dtype=VECTOR_DTYPE, shape=shape)
        sums = _Float16Checked(array)
        counts = np.zeros(shape[:2], dtype=np.int32)
        yield sums, counts
        array.flush()
        del array, sums
        with atomic_open(paths["counts"], "wb") as handle:
            np.save(handle, counts)
        _write_ids(paths["ids"], list(passage_ids))
        with atomic_open(paths["layout"]) as handle:
            json.dump({"layout": SUMS_LAYOUT, "languages": list(languages), "ks": [int(k) for k in ks], "dim": dim},
                      handle, indent=2)


class _Float16Checked:
    """Slice assignment into a float16 array that refuses values overflowing float16."""

    def __init__(self, array: np.ndarray):
        self.array = array

    def __setitem__(self, key, value) -> None:
        self.array[key] = _as_float16(value)


def read_generated_query_sums(path_npy: str | os.PathLike, mmap: bool = True) -> GeneratedQuerySums:
    paths = generated_paths(path_npy)
    layout = _read_layout(paths["layout"], SUMS_LAYOUT)
    sums = _load_array(paths["vectors"], mmap)
    counts = _load_array(paths["counts"], mmap=False)
    ids = read_ids(paths["ids"])
    expected = (len(ids), len(layout["ks"]), layout["dim"])
    if sums.shape != expected:
        raise InputFormatError(paths["vectors"], None, None, f"shape {sums.shape}, expected {expected} from the ids and layout files")
    if counts.shape != expected[:2]:
        raise InputFormatError(paths["counts"], None, None, f"shape {counts.shape}, expected {expected[:2]}")
    return GeneratedQuerySums(ids, layout["languages"], [int(k) for k in layout["ks"]], sums, counts)


def _read_layout(path: Path, expected: str) -> dict:
    try:
        layout = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFormatError(path, None, None, "layout file not found") from None
    except json.JSONDecodeError as error:
        raise InputFormatError(path, error.lineno, None, f"malformed JSON ({error.msg})") from None
    if not isinstance(layout, dict) or layout.get("layout") != expected:
        got = layout.get("layout") if isinstance(layout, dict) else layout
        raise InputFormatError(path, None, "layout", f"expected {expected!r}, got {got!r}")
    return layout
