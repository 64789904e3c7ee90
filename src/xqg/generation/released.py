"""Import of the released xQG queries (Hugging Face dataset ``ielab/xor-tydi-xqg-augmented``, exported to
local JSONL shards): one passage a line, ``{"docid", "title", "text", "generated_queries": {lang: [q, ..]}}``.

Documented handling: ``docid`` may be a JSON number (kept as its decimal string); a language with more
than ``n_samples`` queries keeps the first ``n_samples`` (sample order); fewer is an error, since the fusion's
k would silently differ between passages; a docid seen twice (in any shard) is an error.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Sequence

from xqg.formats import GeneratedQueries, InputFormatError, _json_object, _lines
from xqg.languages import check_language


def import_released_queries(
    jsonl_paths: Sequence[str | os.PathLike],
    languages: Sequence[str],
    n_samples: int | None = 5,
    *,
    passage_ids: Collection[str] | None = None,
) -> Iterator[GeneratedQueries]:
    """Yield the released queries of ``languages`` for every passage, shard by shard, line by line.

    ``n_samples`` None keeps every query. ``passage_ids`` keeps only those passages (a sub-corpus); records
    of other passages are still validated.
    """
    languages = [check_language(lang) for lang in languages]
    if n_samples is not None and n_samples < 1:
        raise ValueError("n_samples must be positive")
    seen: dict[str, tuple[str, int]] = {}
    for path in jsonl_paths:
        for number, line in _lines(path):
            record = _json_object(path, number, line)
            docid = record.get("docid")
            if isinstance(docid, int) and not isinstance(docid, bool):
                docid = str(docid)
            if not isinstance(docid, str) or not docid.strip():
                raise InputFormatError(path, number, "docid", "missing, empty or not a string")
            if docid in seen:
                first = seen[docid]
                raise InputFormatError(path, number, "docid", f"duplicate docid {docid!r} (first in {first[0]}, line {first[1]})")
            seen[docid] = (str(path), number)
            queries = record.get("generated_queries")
            if not isinstance(queries, dict):
                raise InputFormatError(path, number, "generated_queries", "missing or not an object {lang: [queries]}")
            for lang in languages:
                field = f"generated_queries.{lang}"
                if lang not in queries:
                    raise InputFormatError(path, number, field, f"missing language (has {', '.join(sorted(queries)) or 'none'})")
                values = queries[lang]
                if not isinstance(values, list) or not all(isinstance(q, str) for q in values):
                    raise InputFormatError(path, number, field, "expected a list of strings")
                if n_samples is not None and len(values) < n_samples:
                    raise InputFormatError(path, number, field, f"{len(values)} queries, fewer than {n_samples}")
                if passage_ids is None or docid in passage_ids:
                    yield GeneratedQueries(docid, lang, tuple(values if n_samples is None else values[:n_samples]))
