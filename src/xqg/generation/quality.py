"""A quality report for generated queries, per language: are they in the language's script, varied,
about the passage (its title), and close to held-out human questions (chrF)?

Definitions (all per language, over all generated queries):
- ``script_share``: share of queries in the right script. The passage title and its words are removed
  first (titles are English names, and a question naturally repeats them); a query is in the right script
  when more than half of its remaining letters (``\\p{L}``) belong to the language's script(s) (Unicode Script_Extensions) (Arabic,
  Bengali, Latin for fi, Han+Hiragana+Katakana for ja, Hangul, Cyrillic, Telugu). A query with no letters
  left is not.
- ``duplicate_rate``: (queries - distinct queries within each passage) / queries.
- ``mean_chars``, ``median_chars``: length in code points.
- ``title_coverage``: share of queries containing the passage title, or any of its words of 4+
  characters, case-insensitively (``casefold``).
- ``chrf``: mean sentence chrF (sacrebleu defaults) of each query against all reference questions for the
  same passage and language, over the queries that have references (``queries_with_reference``); NaN
  without references.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

import pandas as pd
import regex

from xqg.formats import GeneratedQueries, Passage
from xqg.languages import LANGUAGES, check_language

SCRIPT_PATTERNS: dict[str, regex.Pattern] = {
    # Script_Extensions, so that shared marks count for each script that uses them (the Japanese
    # prolonged-sound mark ー is Script=Common but scx={Hiragana, Katakana})
    "ar": regex.compile(r"\p{scx=Arabic}"),
    "bn": regex.compile(r"\p{scx=Bengali}"),
    "fi": regex.compile(r"\p{scx=Latin}"),
    "ja": regex.compile(r"[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]"),
    "ko": regex.compile(r"\p{scx=Hangul}"),
    "ru": regex.compile(r"\p{scx=Cyrillic}"),
    "te": regex.compile(r"\p{scx=Telugu}"),
}
LETTER = regex.compile(r"\p{L}")
WORD = regex.compile(r"\w+")


def script_share(text: str, lang: str) -> float:
    """Share of the letters of ``text`` that are in ``lang``'s script; NaN when it has no letters."""
    letters = LETTER.findall(text)
    if not letters:
        return float("nan")
    pattern = SCRIPT_PATTERNS[check_language(lang)]
    return sum(1 for ch in letters if pattern.fullmatch(ch)) / len(letters)


def without_title(query: str, title: str) -> str:
    """``query`` with the title and each of its words (as whole words) removed, case-insensitively."""
    if title.strip():
        query = regex.sub(regex.escape(title), " ", query, flags=regex.IGNORECASE)
        for word in sorted(set(WORD.findall(title)), key=len, reverse=True):
            query = regex.sub(rf"(?<!\w){regex.escape(word)}(?!\w)", " ", query, flags=regex.IGNORECASE)
    return query


def in_script(query: str, title: str, lang: str) -> bool:
    share = script_share(without_title(query, title), lang)
    return share == share and share > 0.5  # NaN (no letters left) counts as wrong


def covers_title(query: str, title: str) -> bool:
    folded = query.casefold()
    if title.strip() and title.casefold() in folded:
        return True
    return any(len(word) >= 4 and word.casefold() in folded for word in WORD.findall(title))


class _Tally:
    """One language's running counts: memory is constant in the number of queries (630M at full scale),
    except the exact length histogram (one entry per distinct length)."""

    def __init__(self):
        self.records = self.in_script = self.duplicates = self.covers_title = 0
        self.lengths: Counter = Counter()
        self.chrf: list[float] = []  # only queries with a held-out reference: a few thousand

    @property
    def queries(self) -> int:
        return sum(self.lengths.values())

    def median_length(self):
        """statistics.median of the lengths, from the histogram (same value and type)."""
        n, seen, middle = self.queries, 0, []
        wanted = [(n - 1) // 2, n // 2]
        for length in sorted(self.lengths):
            while wanted and wanted[0] < seen + self.lengths[length]:
                middle.append(length)
                wanted.pop(0)
            seen += self.lengths[length]
        return middle[0] if n % 2 else (middle[0] + middle[1]) / 2


def generation_quality_report(
    generated: Iterable[GeneratedQueries],
    titles: Mapping[str, str],
    references: Sequence[tuple[str, str, str]] | None = None,
) -> pd.DataFrame:
    """One row per language (in the order of :data:`xqg.languages.LANGUAGES`) with the measures above,
    streamed over ``generated``; ``titles`` maps passage ids to titles. ``passages`` counts the
    language's records (one per passage and language, as every generator writes them).

    ``references`` are (passage id, lang, question) triples of held-out human questions.
    """
    import sacrebleu

    refs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for pid, lang, question in references or ():
        refs[(pid, lang)].append(question)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for record in generated:
        if record.passage_id not in titles:
            raise KeyError(f"generated queries for passage {record.passage_id!r}, which is not in the passage collection")
        title = titles[record.passage_id]
        tally = tallies[check_language(record.lang)]
        tally.records += 1
        tally.duplicates += len(record.queries) - len(set(record.queries))
        for query in record.queries:
            tally.lengths[len(query)] += 1
            tally.in_script += in_script(query, title, record.lang)
            tally.covers_title += covers_title(query, title)
            if (record.passage_id, record.lang) in refs:
                tally.chrf.append(sacrebleu.sentence_chrf(query, refs[(record.passage_id, record.lang)]).score)
    table = []
    for lang in [lang for lang in LANGUAGES if lang in tallies]:
        tally = tallies[lang]
        n = tally.queries
        table.append({
            "lang": lang,
            "passages": tally.records,
            "queries": n,
            "script_share": tally.in_script / n if n else float("nan"),
            "duplicate_rate": tally.duplicates / n if n else float("nan"),
            # fmean of integer lengths is their exact sum over n, as here
            "mean_chars": sum(length * count for length, count in tally.lengths.items()) / n if n else float("nan"),
            "median_chars": tally.median_length() if n else float("nan"),
            "title_coverage": tally.covers_title / n if n else float("nan"),
            "chrf": statistics.fmean(tally.chrf) if tally.chrf else float("nan"),
            "queries_with_reference": len(tally.chrf),
        })
    return pd.DataFrame(table, columns=["lang", "passages", "queries", "script_share", "duplicate_rate", "mean_chars",
                                        "median_chars", "title_coverage", "chrf", "queries_with_reference"])


def quality_samples(generated: Callable[[], Iterable[GeneratedQueries]],
                    passages: Callable[[set[str]], Mapping[str, Passage]], *, counts: Mapping[str, int] | None = None,
                    n_per_language: int = 3, seed: int = 0, max_passage_chars: int = 160) -> str:
    """Markdown: for each language, ``n_per_language`` randomly chosen (seeded) records and their queries.
    Streamed, so memory holds only the samples: ``counts`` (records per language, e.g. the report's
    ``passages``; counted in a first pass over ``generated()`` when None), then one pass that takes the
    chosen records; ``passages(ids)`` looks up the chosen passages."""
    counts = Counter(record.lang for record in generated()) if counts is None else counts
    rng = random.Random(seed)
    chosen = {lang: set(rng.sample(range(counts[lang]), min(n_per_language, counts[lang])))
              for lang in LANGUAGES if lang in counts}
    picked: dict[str, list[GeneratedQueries]] = defaultdict(list)
    position: Counter = Counter()
    for record in generated():
        if position[record.lang] in chosen.get(record.lang, ()):
            picked[record.lang].append(record)
        position[record.lang] += 1
    lookup = passages({record.passage_id for records in picked.values() for record in records})
    parts = []
    for lang in chosen:
        parts.append(f"## {lang}\n")
        for record in picked[lang]:
            passage = lookup[record.passage_id]
            text = passage.text if len(passage.text) <= max_passage_chars else passage.text[:max_passage_chars] + "…"
            parts.append(f"**{passage.title}** ({record.passage_id}): {text}\n")
            parts.extend(f"- {_markdown_escape(q)}" for q in record.queries)
            parts.append("")
    return "\n".join(parts)


def _markdown_escape(text: str) -> str:
    return regex.sub(r"([\\`*_\[\]<>|])", r"\\\1", text) if text else "*(empty)*"
