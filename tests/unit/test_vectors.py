"""xqg.vectors: float16 vector files with their ids, written atomically and read memory-mapped."""

from __future__ import annotations

import numpy as np
import pytest

from xqg.formats import InputFormatError
from xqg.vectors import (
    VectorWriter,
    generated_query_sums_writer,
    ids_path,
    read_generated_query_sums,
    read_vectors,
    write_vectors,
)


def test_round_trip_is_float16_and_memory_mapped(tmp_path):
    array = np.arange(12, dtype=np.float32).reshape(4, 3) / 8
    write_vectors(tmp_path / "v.npy", ["a", "b", "c", "d"], array)
    assert (tmp_path / "v.ids.txt").read_text() == "a\nb\nc\nd\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.ids.txt", "v.npy"]  # no temporary left behind
    ids, vectors = read_vectors(tmp_path / "v.npy")
    assert ids == ["a", "b", "c", "d"] and vectors.dtype == np.float16 and isinstance(vectors, np.memmap)
    np.testing.assert_array_equal(vectors, array)  # multiples of 1/8 are exact in float16
    assert not isinstance(read_vectors(tmp_path / "v.npy", mmap=False)[1], np.memmap)


def test_bad_ids_files_are_errors_naming_the_file(tmp_path):
    write_vectors(tmp_path / "v.npy", ["a", "b"], np.zeros((2, 3)))
    ids = ids_path(tmp_path / "v.npy")
    ids.write_text("a\n")
    with pytest.raises(InputFormatError, match=r"v\.ids\.txt: 1 ids for 2 vectors"):
        read_vectors(tmp_path / "v.npy")
    ids.write_text("a\na\n")
    with pytest.raises(InputFormatError, match=r"v\.ids\.txt, line 2, field 'id': duplicate id 'a'"):
        read_vectors(tmp_path / "v.npy")
    ids.write_text("a\n\n")
    with pytest.raises(InputFormatError, match="line 2.*empty id"):
        read_vectors(tmp_path / "v.npy")
    ids.unlink()
    with pytest.raises(InputFormatError, match="ids file not found"):
        read_vectors(tmp_path / "v.npy")
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(InputFormatError, match=r"junk\.npy: not a \.npy array"):
        read_vectors(tmp_path / "junk.npy")


def test_write_checks(tmp_path):
    with pytest.raises(ValueError, match="must end in .npy"):
        write_vectors(tmp_path / "v", ["a"], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="does not match 2 ids"):
        write_vectors(tmp_path / "v.npy", ["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="newlines"):
        write_vectors(tmp_path / "v.npy", ["a\nb"], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="overflows float16"):
        write_vectors(tmp_path / "v.npy", ["a"], np.array([[1e6, 0.0]]))
    assert list(tmp_path.iterdir()) == []


def test_streaming_writer(tmp_path):
    rows = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32)
    with VectorWriter(tmp_path / "s.npy", num_rows=10, dim=4) as writer:
        for start in range(0, 10, 3):
            writer.write([f"id{i}" for i in range(start, min(start + 3, 10))], rows[start : start + 3])
        assert not (tmp_path / "s.npy").exists()  # only under its final name once complete
    ids, vectors = read_vectors(tmp_path / "s.npy")
    assert ids == [f"id{i}" for i in range(10)]
    np.testing.assert_array_equal(vectors, rows.astype(np.float16))
    # too few rows, too many rows, or an exception: nothing left behind
    with pytest.raises(ValueError, match="3 rows written, 5 announced"):
        with VectorWriter(tmp_path / "short.npy", num_rows=5, dim=4) as writer:
            writer.write(["a", "b", "c"], rows[:3])
    with pytest.raises(ValueError, match="more than the 2 rows"):
        with VectorWriter(tmp_path / "long.npy", num_rows=2, dim=4) as writer:
            writer.write(["a", "b", "c"], rows[:3])
    with pytest.raises(RuntimeError):
        with VectorWriter(tmp_path / "crash.npy", num_rows=2, dim=4) as writer:
            raise RuntimeError("interrupted")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.ids.txt", "s.npy"]


def test_sums_set_round_trip_and_its_checks(tmp_path):
    path = tmp_path / "sums.npy"
    with generated_query_sums_writer(path, ["a", "b"], ["ja", "te"], [1, 5], 3) as (sums, counts):
        sums[:] = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
        counts[:] = [[2, 10], [1, 7]]
    stored = read_generated_query_sums(path)
    assert stored.passage_ids == ["a", "b"] and stored.languages == ["ja", "te"] and stored.ks == [1, 5]
    assert stored.sums.dtype == np.float16 and stored.sums[1, 1].tolist() == [9.0, 10.0, 11.0]
    assert stored.counts.tolist() == [[2, 10], [1, 7]]
    # a sum that overflows float16 is refused, and nothing is left behind
    with pytest.raises(ValueError, match="overflows float16"):
        with generated_query_sums_writer(tmp_path / "big.npy", ["a"], ["ja"], [1], 2) as (sums, _):
            sums[:] = np.full((1, 1, 2), 1e6, dtype=np.float32)
    assert not list(tmp_path.glob("big*"))
    # a per-query vector set's layout is not a sums set's
    (tmp_path / "sums.layout.json").write_text('{"layout": "generated_queries/1"}', encoding="utf-8")
    with pytest.raises(InputFormatError, match="sums.layout.json.*generated_query_sums/1"):
        read_generated_query_sums(path)
