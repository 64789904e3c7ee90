"""Noisy xQG (a defence): another generator's queries, a share of them attacked before they are fused.

The record layout, the passages, languages and the number of samples stay those of the source shard,
so the noisy system differs from its clean xQG system only in the perturbed queries (same k, same
alpha). Streamed record by record: a shard at full scale holds tens of millions of queries.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Mapping

from xqg.attacks.augmentation import perturb_text
from xqg.attacks.base import Attack
from xqg.formats import GeneratedQueries, iter_generated_queries


def noisy_queries(source: str | os.PathLike, attacks: Mapping[str, Attack], *, rate: float, seed: int,
                  counts: Counter | None = None) -> Iterator[GeneratedQueries]:
    """The records of ``source`` with each query replaced, with probability ``rate``, by its version under
    one of ``attacks`` (xqg.attacks.augmentation.perturb_text, keyed by passage, language and sample);
    ``counts`` (if given) counts the queries each attack changed and those left "unchanged"."""
    for record in iter_generated_queries(source):
        queries = []
        for sample, query in enumerate(record.queries):
            key = f"{record.passage_id}\x1f{record.lang}\x1f{sample}"
            perturbed = perturb_text(query, record.lang, key, attacks, rate=rate, seed=seed)
            if counts is not None:
                counts[perturbed.attack or "unchanged"] += 1
            queries.append(perturbed.text)
        yield GeneratedQueries(record.passage_id, record.lang, tuple(queries))
