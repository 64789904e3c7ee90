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
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

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


def generation_quality_report(
    generated: Iterable[GeneratedQueries],
    passages: Mapping[str, Passage],
    references: Sequence[tuple[str, str, str]] | None = None,
) -> pd.DataFrame:
    """One row per language (in the order of :data:`xqg.languages.LANGUAGES`) with the measures above.

    ``references`` are (passage id, lang, question) triples of held-out human questions.
    """
    import sacrebleu

    refs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for pid, lang, question in references or ():
        refs[(pid, lang)].append(question)
    rows: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for record in generated:
        if record.passage_id not in passages:
            raise KeyError(f"generated queries for passage {record.passage_id!r}, which is not in the passage collection")
        title = passages[record.passage_id].title
        acc = rows[check_language(record.lang)]
        acc["passages"].append(record.passage_id)
        acc["duplicates"].append(len(record.queries) - len(set(record.queries)))
        for query in record.queries:
            acc["length"].append(len(query))
            acc["in_script"].append(in_script(query, title, record.lang))
            acc["covers_title"].append(covers_title(query, title))
            if (record.passage_id, record.lang) in refs:
                acc["chrf"].append(sacrebleu.sentence_chrf(query, refs[(record.passage_id, record.lang)]).score)
    table = []
    for lang in [lang for lang in LANGUAGES if lang in rows]:
        acc = rows[lang]
        n = len(acc["length"])
        table.append({
            "lang": lang,
            "passages": len(set(acc["passages"])),
            "queries": n,
            "script_share": sum(acc["in_script"]) / n if n else float("nan"),
            "duplicate_rate": sum(acc["duplicates"]) / n if n else float("nan"),
            "mean_chars": statistics.fmean(acc["length"]) if n else float("nan"),
            "median_chars": statistics.median(acc["length"]) if n else float("nan"),
            "title_coverage": sum(acc["covers_title"]) / n if n else float("nan"),
            "chrf": statistics.fmean(acc["chrf"]) if acc["chrf"] else float("nan"),
            "queries_with_reference": len(acc["chrf"]),
        })
    return pd.DataFrame(table, columns=["lang", "passages", "queries", "script_share", "duplicate_rate", "mean_chars",
                                        "median_chars", "title_coverage", "chrf", "queries_with_reference"])


def quality_samples(generated: Iterable[GeneratedQueries], passages: Mapping[str, Passage], *, n_per_language: int = 3,
                    seed: int = 0, max_passage_chars: int = 160) -> str:
    """Markdown: for each language, ``n_per_language`` randomly chosen (seeded) passages and their queries."""
    by_lang: dict[str, list[GeneratedQueries]] = defaultdict(list)
    for record in generated:
        by_lang[record.lang].append(record)
    rng = random.Random(seed)
    parts = []
    for lang in [lang for lang in LANGUAGES if lang in by_lang]:
        records = by_lang[lang]
        chosen = sorted(rng.sample(range(len(records)), min(n_per_language, len(records))))
        parts.append(f"## {lang}\n")
        for index in chosen:
            record = records[index]
            passage = passages[record.passage_id]
            text = passage.text if len(passage.text) <= max_passage_chars else passage.text[:max_passage_chars] + "…"
            parts.append(f"**{passage.title}** ({record.passage_id}): {text}\n")
            parts.extend(f"- {_markdown_escape(q)}" for q in record.queries)
            parts.append("")
    return "\n".join(parts)


def _markdown_escape(text: str) -> str:
    return regex.sub(r"([\\`*_\[\]<>|])", r"\\\1", text) if text else "*(empty)*"
