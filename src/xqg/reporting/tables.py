"""Table 1 of the paper (R@Nkt per language, plain retriever vs + xQG, with significance marks) and
the writers that put any table on disk as CSV, Markdown and booktabs LaTeX."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from xqg.files import atomic_open
from xqg.reporting.outcomes import (
    CLEAN_QUERY_SET, CORRECTIONS, PLAIN_GENERATOR, SIGNIFICANCE_MARK, TESTS, adjust, aligned,
    check_outcomes, generators, metric_name, ordered_languages, paired_p_value, regimes, select_system,
)

# {source: {regime: {metric: {model: {lang or avg: value}}}}}, e.g. the paper's and the public code's numbers
ReferenceNumbers = Mapping[str, Mapping[str, Mapping[str, Mapping[str, Mapping[str, float]]]]]


@dataclass(frozen=True)
class Table1:
    """Table 1 in three forms that share rows: ``scores`` (numbers), ``display`` (two decimals plus
    significance marks), ``pvalues`` (one row per marked comparison), plus the caption and, where a
    reference was configured, ``reference_delta`` (each cell beside each source's number, the difference
    and a verdict: :func:`graded_against_reference`) with its caption."""

    scores: pd.DataFrame
    display: pd.DataFrame
    pvalues: pd.DataFrame
    caption: str
    reference_delta: pd.DataFrame | None = None
    reference_caption: str = ""


def _per_query_hits(rows: pd.DataFrame, what: str) -> dict[str, pd.Series]:
    """{lang: hits indexed by qid} for one system, metric and clean query set."""
    out = {}
    for lang, group in rows.groupby("lang", sort=False):
        hits = group.set_index("qid")["hit"]
        if not hits.index.is_unique:
            raise ValueError(f"{what}, {lang}: several clean rows for one query (samples of the clean set?)")
        out[str(lang)] = hits
    return out


def _score(hits: pd.Series) -> float:
    return 100.0 * float(hits.mean())


def table1(
    outcomes: pd.DataFrame,
    *,
    k: int,
    alpha: float,
    test: str = "mcnemar",
    correction: str = "holm",
    reference: ReferenceNumbers | None = None,
    backbone_labels: Mapping[str, str] | None = None,
    generator_labels: Mapping[str, str] | None = None,
    level: float = 0.05,
) -> Table1:
    """The paper's Table 1 from per-query outcomes of the clean query set.

    For each token budget (R@2kt, R@5kt, ...) and regime (zero-shot, fine-tuned): one row per backbone,
    followed by ``backbone + xQG (generator)`` for each generator at ``k`` and ``alpha``. Columns: the
    languages present, then ``avg``, the macro mean over languages (as the paper reports it).

    Significance of each + xQG cell against the plain row of the same backbone and regime: ``test``
    (``"mcnemar"`` or ``"t"``) on the paired per-query hits of that language; for ``avg``, the same
    test on all questions of all languages pooled (it weighs questions, not languages, equally). The
    p-values of all marked cells of the table form one family for ``correction`` (Holm by default).
    """
    if test not in ("mcnemar", "t"):
        raise ValueError(f"Table 1 compares hits with 'mcnemar' or 't', not {test!r}")
    if correction not in CORRECTIONS:
        raise ValueError(f"unknown correction {correction!r}; expected one of {', '.join(CORRECTIONS)}")
    outcomes = check_outcomes(outcomes)
    clean = outcomes[outcomes["query_set"] == CLEAN_QUERY_SET]
    if clean.empty:
        raise ValueError("Table 1: the outcomes hold no rows of the clean query set")
    datasets = sorted(set(clean["dataset"]))
    if len(datasets) > 1:
        raise ValueError(f"Table 1 covers one dataset; filter the outcomes first (found {datasets})")
    backbone_labels = dict(backbone_labels or {})
    generator_labels = dict(generator_labels or {})
    languages = ordered_languages(clean["lang"].unique())
    score_rows, comparisons = [], []
    for token_budget in sorted(clean["token_budget"].unique()):
        metric = metric_name(int(token_budget))
        at_budget = clean[clean["token_budget"] == token_budget]
        for regime in regimes(at_budget):
            in_regime = at_budget[at_budget["regime"] == regime]
            for backbone in sorted(in_regime["backbone"].unique()):
                rows = in_regime[in_regime["backbone"] == backbone]
                label = backbone_labels.get(backbone, backbone)
                what = f"{metric}, {regime}, {backbone}"
                plain = _per_query_hits(rows[select_system(rows, PLAIN_GENERATOR, k, alpha)], what)
                if not plain:
                    raise ValueError(f"{what}: no rows of the plain retriever (generator 'none') to compare with")
                _require_languages(plain, languages, what)
                score_rows.append(_score_row(metric, regime, backbone, PLAIN_GENERATOR, label, plain, languages))
                for generator in generators(rows):
                    system = _per_query_hits(rows[select_system(rows, generator, k, alpha)], what)
                    if not system:
                        continue  # this generator was not run at the default k and alpha here
                    _require_languages(system, languages, f"{what} + {generator}")
                    model = f"{label} + {generator_labels.get(generator, f'xQG ({generator})')}"
                    score_rows.append(_score_row(metric, regime, backbone, generator, model, system, languages))
                    comparisons += _compare(metric, regime, backbone, generator, model, plain, system,
                                            languages, test)
    scores = pd.DataFrame(score_rows)
    pvalues = pd.DataFrame(comparisons, columns=[
        "metric", "regime", "backbone", "generator", "model", "lang", "n_queries", "plain", "xqg",
        "delta", "test", "p_value"])
    pvalues["p_adjusted"] = adjust(pvalues["p_value"].to_numpy(), correction)
    pvalues["correction"] = correction
    pvalues["significant"] = pvalues["p_adjusted"] < level
    display = _display(scores, pvalues, languages)
    caption = _caption(datasets[0], scores, k, alpha, test, correction, level, len(pvalues))
    delta, reference_caption = (None, "") if reference is None else graded_against_reference(
        scores, reference_frame(reference))
    return Table1(scores=scores, display=display, pvalues=pvalues, caption=caption, reference_delta=delta,
                  reference_caption=reference_caption)


def _require_languages(hits: Mapping[str, pd.Series], languages: list[str], what: str) -> None:
    missing = [lang for lang in languages if lang not in hits]
    if missing:
        raise ValueError(f"{what}: no outcomes for language(s) {', '.join(missing)}; a macro average "
                         "over a different set of languages would not be comparable")


def _score_row(metric, regime, backbone, generator, model, hits, languages) -> dict:
    row = {"metric": metric, "regime": regime, "model": model, "backbone": backbone, "generator": generator}
    row.update({lang: _score(hits[lang]) for lang in languages})
    row["avg"] = float(np.mean([row[lang] for lang in languages]))
    return row


def _compare(metric, regime, backbone, generator, model, plain, system, languages, test) -> list[tuple]:
    """One comparison per language and one pooled over all questions (the avg column)."""
    rows, pooled_plain, pooled_system = [], [], []
    for lang in languages:
        a, b = aligned(plain[lang], system[lang], f"{metric}, {regime}, {backbone} vs + {generator}, {lang}")
        pooled_plain.append(a)
        pooled_system.append(b)
        rows.append((metric, regime, backbone, generator, model, lang, len(a), 100 * a.mean(), 100 * b.mean(),
                     100 * (b.mean() - a.mean()), test, paired_p_value(a, b, test)))
    a, b = np.concatenate(pooled_plain), np.concatenate(pooled_system)
    rows.append((metric, regime, backbone, generator, model, "avg", len(a), 100 * a.mean(), 100 * b.mean(),
                 100 * (b.mean() - a.mean()), test, paired_p_value(a, b, test)))
    return rows


def _display(scores: pd.DataFrame, pvalues: pd.DataFrame, languages: list[str]) -> pd.DataFrame:
    significant = {(r.metric, r.regime, r.model, r.lang) for r in pvalues.itertuples() if r.significant}
    display = scores[["metric", "regime", "model"]].copy()
    for column in [*languages, "avg"]:
        display[column] = [
            f"{value:.2f}" + (SIGNIFICANCE_MARK if (m, g, mod, column) in significant else "")
            for m, g, mod, value in zip(scores["metric"], scores["regime"], scores["model"], scores[column])
        ]
    return display


def _caption(dataset, scores, k, alpha, test, correction, level, n_comparisons) -> str:
    metrics = " and ".join(dict.fromkeys(scores["metric"]))
    return (
        f"{metrics} (%) on {dataset}; avg is the macro mean over languages. + xQG fuses k = {k} generated "
        f"queries per language into each passage vector with alpha = {alpha:g}. {SIGNIFICANCE_MARK}: "
        f"different from the plain retriever of the same backbone and regime at p < {level:g}, "
        f"{TESTS[test]} on per-query hits of that language (avg: all questions pooled), "
        f"{CORRECTIONS[correction]} correction over the {n_comparisons} comparisons in the table."
    )


# A reproduction is graded per cell by its distance to the reference in percentage points.
VERDICT_BOUNDS = (("OK", 0.5), ("OKish", 2.0))  # |delta| <= 0.5: OK; <= 2: OKish; else FAIL
NO_REFERENCE = "no reference"


def verdict(delta: float) -> str:
    """OK (|delta| <= 0.5 point), OKish (<= 2), FAIL, or "no reference" (NaN)."""
    if np.isnan(delta):
        return NO_REFERENCE
    return next((name for name, bound in VERDICT_BOUNDS if abs(delta) <= bound + 1e-9), "FAIL")


def reference_frame(reference: ReferenceNumbers) -> pd.DataFrame:
    """Reference numbers from config, ``{source: {regime: {metric: {model: {lang or avg: value}}}}}``, one
    row per number: source, regime, metric, model, lang, reference."""
    rows = [{"source": str(source), "regime": str(regime), "metric": str(metric), "model": str(model),
             "lang": str(lang), "reference": float(value)}
            for source, regimes_ in reference.items() for regime, metrics in regimes_.items()
            for metric, models in metrics.items() for model, values in models.items()
            for lang, value in values.items()]
    return pd.DataFrame(rows, columns=["source", "regime", "metric", "model", "lang", "reference"])


def graded_against_reference(table: pd.DataFrame, reference: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Every cell of ``table`` (scores: metric, regime, model, then languages and avg) beside each source's
    number, their difference (ours minus the reference, points) and its verdict (:func:`verdict`), and a
    caption that counts the verdicts per source and names the reference rows this table has no row for
    (e.g. a backbone left out by ``select``). An error if no reference number matches any cell."""
    keys = ["metric", "regime", "model"]
    if missing := [c for c in keys if c not in table.columns]:
        raise ValueError(f"the table lacks column(s) {', '.join(missing)}")
    columns = [c for c in table.columns if c not in keys and c not in ("backbone", "generator")]
    cells = table.melt(id_vars=keys, value_vars=columns, var_name="lang", value_name="ours")
    graded = cells.copy()
    sources = list(dict.fromkeys(reference["source"]))
    matched = pd.Series(False, index=reference.index)
    for source in sources:
        numbers = reference[reference["source"] == source]
        merged = cells.merge(numbers.drop(columns="source"), on=[*keys, "lang"], how="left", validate="one_to_one")
        graded[source] = merged["reference"].to_numpy()
        graded[f"{source} \u0394"] = (merged["ours"] - merged["reference"]).to_numpy()
        graded[f"{source} verdict"] = [verdict(d) for d in graded[f"{source} \u0394"]]
        found = numbers.merge(cells[[*keys, "lang"]], on=[*keys, "lang"], how="left", indicator=True)
        matched[numbers.index] = (found["_merge"] == "both").to_numpy()
    if not matched.any():
        known = sorted(set(zip(table["metric"], table["regime"], table["model"])))
        raise ValueError(f"no reference number matches a cell of the table; its rows (metric, regime, model) are {known}")
    counts = "; ".join(
        f"{source}: " + ", ".join(f"{(graded[f'{source} verdict'] == name).sum()} {name}"
                                  for name in ("OK", "OKish", "FAIL"))
        for source in sources)
    caption = (f"Our score beside each reference (percentage points; \u0394 = ours \u2212 reference) and its verdict: "
               f"OK |\u0394| <= {VERDICT_BOUNDS[0][1]:g}, OKish <= {VERDICT_BOUNDS[1][1]:g}, FAIL beyond, "
               f"'{NO_REFERENCE}' where the source reports no number. {counts}.")
    unmatched = reference[~matched].drop_duplicates(["source", "regime", "metric", "model"])
    if not unmatched.empty:
        caption += " Reference rows with no row in this table: " + "; ".join(
            f"{r.source}: {r.metric}, {r.regime}, {r.model}" for r in unmatched.itertuples()) + "."
    return graded, caption


# --- writers -----------------------------------------------------------------------------------------

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_LATEX_UNICODE = {SIGNIFICANCE_MARK: r"$^{\dagger}$", "\u0394": r"$\Delta$", "\u03b1": r"$\alpha$",
                  "\u2212": "-", "\u00b1": r"$\pm$", "\u2192": r"$\rightarrow$"}


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters and map the few non-ASCII symbols the reports use to math."""
    out = "".join(_LATEX_SPECIAL.get(char, char) for char in text)
    for char, replacement in _LATEX_UNICODE.items():
        out = out.replace(char, replacement)
    return out


def _cell(value: object, digits: int) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def _is_numeric(cells: list[str]) -> bool:
    def number(cell: str) -> bool:
        try:
            float(cell.rstrip(SIGNIFICANCE_MARK).replace("\u2212", "-"))
            return True
        except ValueError:
            return cell == ""
    return bool(cells) and all(number(c) for c in cells)


def to_latex(table: pd.DataFrame, caption: str, *, label: str | None = None, digits: int = 2) -> str:
    """A booktabs ``table`` environment: numeric columns right-aligned, text escaped."""
    cells = {column: [_cell(v, digits) for v in table[column]] for column in table.columns}
    align = "".join("r" if _is_numeric(cells[c]) else "l" for c in table.columns)
    lines = [r"\begin{table}[t]", r"\centering", rf"\caption{{{latex_escape(caption)}}}"]
    if label:
        lines.append(rf"\label{{{label}}}")
    lines += [rf"\begin{{tabular}}{{{align}}}", r"\toprule",
              " & ".join(latex_escape(str(c)) for c in table.columns) + r" \\", r"\midrule"]
    for i in range(len(table)):
        row = " & ".join(latex_escape(cells[c][i]) for c in table.columns)
        # a row that starts with "[" would be read as the optional argument of the previous "\\"
        lines.append(("{}" if row.startswith("[") else "") + row + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]
    return "\n".join(lines)


def to_markdown(table: pd.DataFrame, caption: str, *, digits: int = 2) -> str:
    """Caption, blank line, pipe table (pandas/tabulate); floats with ``digits`` decimals."""
    shown = table.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = [_cell(v, digits) for v in shown[column]]
    return f"{caption}\n\n{shown.to_markdown(index=False, disable_numparse=True)}\n"


def write_table(table: pd.DataFrame, stem: str | os.PathLike, caption: str, *, digits: int = 2,
                label: str | None = None) -> list[Path]:
    """Write ``stem.csv`` (full precision), ``stem.md`` and ``stem.tex`` (``digits`` decimals), each
    atomically. Returns the three paths."""
    stem = Path(stem)
    paths = [stem.with_name(stem.name + suffix) for suffix in (".csv", ".md", ".tex")]
    with atomic_open(paths[0]) as handle:
        table.to_csv(handle, index=False)
    with atomic_open(paths[1]) as handle:
        handle.write(to_markdown(table, caption, digits=digits))
    with atomic_open(paths[2]) as handle:
        handle.write(to_latex(table, caption, label=label, digits=digits))
    return paths


def write_table1(result: Table1, stem: str | os.PathLike) -> list[Path]:
    """Table 1 as ``stem.{csv,md,tex}`` (the marked display), ``stem.scores.csv`` (numbers),
    ``stem.pvalues.csv`` (per-cell tests) and, with a reference, ``stem.reference_delta.{csv,md,tex}``."""
    stem = Path(stem)
    paths = write_table(result.display, stem, result.caption, label="tab:xqg-main")
    for name, frame in (("scores", result.scores), ("pvalues", result.pvalues)):
        path = stem.with_name(f"{stem.name}.{name}.csv")
        with atomic_open(path) as handle:
            frame.to_csv(handle, index=False)
        paths.append(path)
    if result.reference_delta is not None:
        paths += write_table(result.reference_delta, stem.with_name(f"{stem.name}.reference_delta"),
                             result.reference_caption)
    return paths
