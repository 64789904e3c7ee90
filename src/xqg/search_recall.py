"""What an approximate index loses: recall of its runs against exact search, on sampled clean queries.

With ``search.index`` other than ``flat`` every system is searched with an approximate index. For each
system, a seeded sample of each language's clean queries is searched exactly (``IndexFlatIP``, shard by
shard and merged, as the flat path does, so memory follows the shard size even at 18M passages) and
compared with the approximate run that system was scored on. recall@c is the share of the exact top c
that the approximate top c also holds (the top-c overlap), at the search depth and smaller cut-offs.
The sample bounds the cost: the exact pass reads every shard once per system, whatever its size.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from xqg.search import SearchConfig, recall_against_exact, search_shards

SYSTEM_COLUMNS = ["backbone", "regime", "generator", "k", "alpha"]


def recall_column(cutoff: int) -> str:
    return f"recall@{cutoff}"


def check_cutoffs(cutoffs: Iterable[int], depth: int) -> list[int]:
    """The cut-offs to report, with the search depth; each must be 1..depth."""
    cutoffs = sorted(set(cutoffs) | {depth})
    wrong = [c for c in cutoffs if not 1 <= c <= depth]
    if wrong:
        raise ValueError(f"search_recall.cutoffs {wrong} must lie between 1 and the search depth {depth}")
    return cutoffs


def sample_positions(num_queries: int, size: int | None, seed: int, lang: str) -> list[int]:
    """Positions of a seeded sample of ``size`` queries (all of them when ``size`` is None or larger), in file order.

    Seeded by language, so every system of a study is measured on the same queries.
    """
    if size is None or size >= num_queries:
        return list(range(num_queries))
    return sorted(random.Random(f"{seed}:{lang}").sample(range(num_queries), size))


def read_run_rankings(path: str | os.PathLike, qids: Iterable[str]) -> dict[str, list[str]]:
    """Ranked passage ids of ``qids`` from a TREC run, skipping the other queries' lines unparsed.

    A main system's run also holds every attacked query set (~100x the clean queries at full scale).
    """
    wanted = set(qids)
    rows: dict[str, list[tuple[int, str]]] = {qid: [] for qid in wanted}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            qid = line.split(None, 1)[0] if line.strip() else ""
            if qid not in wanted:
                continue
            parts = line.split()
            if len(parts) != 6:
                raise ValueError(f"{path}, line {number}: expected 6 columns 'qid Q0 docid rank score tag', got {len(parts)}")
            rows[qid].append((int(parts[3]), parts[2]))
    missing = sorted(qid for qid, ranking in rows.items() if not ranking)
    if missing:
        raise ValueError(f"{path}: no ranking for sampled queries {missing[:5]} ({len(missing)} in all)")
    return {qid: [pid for _, pid in sorted(ranking)] for qid, ranking in rows.items()}


def measure_recall(
    queries: Mapping[str, tuple[Sequence[str], np.ndarray]],
    runs: Mapping[str, str | os.PathLike],
    shards: Iterable[tuple[Sequence[str], np.ndarray]],
    config: SearchConfig,
    *,
    cutoffs: Iterable[int],
    sample_size: int | None,
    seed: int,
) -> pd.DataFrame:
    """One row per language: sampled queries, the index, and recall@c of the approximate run against exact search.

    ``queries`` maps a language to its clean (ids, vectors); ``runs`` to the approximate run of the same
    system; ``shards`` yields the (ids, vectors) the run searched. Exact search uses ``config``'s depth
    and device with a flat index.
    """
    if config.index == "flat":
        raise ValueError("search.index is flat: the runs are exact, there is no recall loss to measure")
    if sorted(queries) != sorted(runs):
        raise ValueError(f"query languages {sorted(queries)} differ from run languages {sorted(runs)}")
    cutoffs = check_cutoffs(cutoffs, config.depth)
    sampled: dict[str, list[str]] = {}
    vectors = []
    for lang, (ids, lang_vectors) in queries.items():
        positions = sample_positions(len(ids), sample_size, seed, lang)
        sampled[lang] = [ids[p] for p in positions]
        vectors.append(np.asarray(lang_vectors)[positions])
    _, exact = search_shards(np.concatenate(vectors), shards, replace(config, index="flat"))
    rows, start = [], 0
    for lang, qids in sampled.items():
        approximate = read_run_rankings(runs[lang], qids)
        truth = exact[start : start + len(qids)]
        start += len(qids)
        found = [approximate[qid] for qid in qids]
        row = {"lang": lang, "queries": len(qids), "index": config.describe()}
        row |= {recall_column(c): recall_against_exact(found, truth, c) for c in cutoffs}
        rows.append(row)
    return pd.DataFrame(rows)


def recall_summary(table: pd.DataFrame, languages: Sequence[str]) -> pd.DataFrame:
    """Table 1's layout: one row per system and cut-off (systems in table order), one column per language, and their mean."""
    metrics = sorted((c for c in table.columns if c.startswith("recall@")), key=lambda c: int(c.split("@")[1]))
    missing = sorted(set(languages) - set(table["lang"]))
    if missing:
        raise ValueError(f"no recall measured for languages {missing}")
    rows = []
    for system, group in table.groupby(SYSTEM_COLUMNS, sort=False):
        by_lang = group.set_index("lang")
        for metric in metrics:
            values = {lang: float(by_lang.at[lang, metric]) for lang in languages}
            rows.append(dict(zip(SYSTEM_COLUMNS, system)) | {"measure": metric} | values | {"avg": float(np.mean(list(values.values())))})
    return pd.DataFrame(rows, columns=SYSTEM_COLUMNS + ["measure", *languages, "avg"])
