"""Figure 2 of the paper: macro-average R@Nkt against the number k of generated queries fused per
language (k = 0 is the plain retriever), and the same against the fusion weight alpha.

A point is drawn filled when it differs significantly from the plain retriever: McNemar's test (or a
paired t-test) on the per-query hits of all languages pooled, corrected over the points of its line
(Holm by default)."""

from __future__ import annotations

import os
import textwrap
from itertools import cycle
from typing import Literal

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from xqg.files import atomic_open, atomic_path
from xqg.reporting.outcomes import (
    CLEAN_QUERY_SET, CORRECTIONS, PLAIN_GENERATOR, TESTS, adjust, aligned, check_outcomes, metric_name,
    ordered_languages, paired_p_value, regimes,
)

Parameter = Literal["k", "alpha"]
SWEEP_COLUMNS = ["dataset", "backbone", "regime", "generator", "metric", "token_budget", "parameter",
                 "value", "score", "n_queries", "test", "p_value", "p_adjusted", "significant"]
_STYLE = {"figure.dpi": 100, "savefig.dpi": 150, "font.size": 9, "axes.grid": True, "grid.alpha": 0.3,
          "svg.hashsalt": "xqg", "pdf.compression": 6}


def sweep_table(outcomes: pd.DataFrame, *, parameter: Parameter, k: int, alpha: float,
                test: str = "mcnemar", correction: str = "holm", level: float = 0.05) -> pd.DataFrame:
    """Macro-average score per value of ``parameter`` ("k" at fixed ``alpha``, or "alpha" at fixed
    ``k``) for each dataset, backbone, regime, generator and token budget, on the clean query set.

    The row with value 0 is the plain retriever (k = 0 adds nothing; alpha = 0 keeps e_p unchanged).
    Every other row carries the p-value of ``test`` against it on all questions pooled, corrected with
    ``correction`` over the values of its line. Columns: ``SWEEP_COLUMNS``."""
    if parameter not in ("k", "alpha"):
        raise ValueError(f"sweep parameter must be 'k' or 'alpha', not {parameter!r}")
    if test not in ("mcnemar", "t"):
        raise ValueError(f"the sweep compares hits with 'mcnemar' or 't', not {test!r}")
    outcomes = check_outcomes(outcomes)
    clean = outcomes[outcomes["query_set"] == CLEAN_QUERY_SET]
    if parameter == "k":
        on_line = np.isclose(clean["alpha"].to_numpy(dtype=float), alpha, rtol=1e-9, atol=1e-12)
    else:
        on_line = (clean["k"] == k).to_numpy()
    # value 0 of an augmented system equals the plain retriever, which stands for it
    on_line = on_line & (clean["generator"] != PLAIN_GENERATOR).to_numpy() & (clean[parameter] != 0).to_numpy()
    clean = clean.assign(_on_line=on_line)
    rows = []
    for (dataset, backbone, regime, token_budget), group in clean.groupby(
            ["dataset", "backbone", "regime", "token_budget"], sort=True):
        plain = group[group["generator"] == PLAIN_GENERATOR]
        what = f"{dataset}, {backbone}, {regime}, {metric_name(int(token_budget))}"
        if plain.empty:
            raise ValueError(f"{what}: no plain-retriever rows to serve as {parameter} = 0")
        languages = ordered_languages(plain["lang"].unique())
        plain_hits = _hits(plain, languages, what)
        augmented = group[group["_on_line"]]
        for generator, by_generator in augmented.groupby("generator", sort=True):
            line = [_point(dataset, backbone, regime, generator, token_budget, parameter, 0.0, plain_hits,
                           None, test)]
            for value, system in by_generator.groupby(parameter, sort=True):
                hits = _hits(system, languages, f"{what}, {generator}, {parameter} = {value}")
                line.append(_point(dataset, backbone, regime, generator, token_budget, parameter, float(value),
                                   hits, plain_hits, test))
            p_adjusted = adjust([row["p_value"] for row in line], correction)
            for row, p in zip(line, p_adjusted):
                row["p_adjusted"] = p
                row["significant"] = bool(p < level)
            rows += line
    return pd.DataFrame(rows, columns=SWEEP_COLUMNS)


def _hits(rows: pd.DataFrame, languages: list[str], what: str) -> dict[str, pd.Series]:
    hits = {str(lang): group.set_index("qid")["hit"] for lang, group in rows.groupby("lang")}
    if sorted(hits) != sorted(languages):
        raise ValueError(f"{what}: languages {sorted(hits)} differ from the plain retriever's {languages}")
    return hits


def _point(dataset, backbone, regime, generator, token_budget, parameter, value, hits, plain_hits, test):
    score = float(np.mean([100 * hits[lang].mean() for lang in hits]))
    p, n = np.nan, sum(len(h) for h in hits.values())
    if plain_hits is not None:
        pairs = [aligned(plain_hits[lang], hits[lang], f"{backbone}, {regime}, {generator}, {lang}")
                 for lang in plain_hits]
        p = paired_p_value(np.concatenate([a for a, _ in pairs]), np.concatenate([b for _, b in pairs]), test)
    return {"dataset": dataset, "backbone": backbone, "regime": regime, "generator": generator,
            "metric": metric_name(int(token_budget)), "token_budget": int(token_budget), "parameter": parameter,
            "value": value, "score": score, "n_queries": n, "test": test, "p_value": p}


def save_figure(figure: Figure, out_png: str | os.PathLike, out_pdf: str | os.PathLike) -> None:
    """Save PNG and PDF atomically and reproducibly: no creation date or software version in the
    metadata, so that two runs give byte-identical files."""
    with atomic_path(out_png) as tmp:
        figure.savefig(tmp, format="png", metadata={"Software": None})
    with atomic_path(out_pdf) as tmp:
        figure.savefig(tmp, format="pdf", metadata={"CreationDate": None, "ModDate": None, "Producer": None,
                                                     "Creator": None})


def legend_title(text: str, figure: Figure) -> str:
    """Wrap a legend title to the figure's width (about 16 characters per inch at 8 pt)."""
    return textwrap.fill(text, width=int(figure.get_figwidth() * 16))


def _panel_grid(n_panels: int, width: float = 4.0, height: float = 3.2) -> tuple[Figure, list]:
    columns = min(n_panels, 3)
    rows = -(-n_panels // columns)
    figure = Figure(figsize=(max(width * columns, 6.5), height * rows + 1.2), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False, sharey=True).ravel().tolist()
    for unused in axes[n_panels:]:
        unused.set_visible(False)
    return figure, axes[:n_panels]


def sweep_figure(table: pd.DataFrame, out_png: str | os.PathLike, out_pdf: str | os.PathLike, *,
                 correction: str = "holm") -> None:
    """Draw a ``sweep_table``: one panel per dataset, regime and backbone; colour = generator, line
    style = token budget; filled markers = significantly different from the plain retriever."""
    if table.empty:
        raise ValueError("nothing to draw: the sweep table is empty (no augmented systems in the outcomes?)")
    parameter = str(table["parameter"].iloc[0])
    test = str(table["test"].iloc[0])
    panels = [(d, r, b) for d in sorted(table["dataset"].unique()) for r in regimes(table)
              for b in sorted(table["backbone"].unique())
              if ((table["dataset"] == d) & (table["regime"] == r) & (table["backbone"] == b)).any()]
    metrics = list(dict.fromkeys(table.sort_values("token_budget")["metric"]))
    generator_names = sorted(table["generator"].unique())
    colours = dict(zip(generator_names, cycle(matplotlib.colormaps["tab10"].colors)))
    dashes = dict(zip(metrics, cycle(["-", "--", ":", "-."])))
    with matplotlib.rc_context(_STYLE):
        figure, axes = _panel_grid(len(panels))
        for ax, (dataset, regime, backbone) in zip(axes, panels):
            in_panel = table[(table["dataset"] == dataset) & (table["regime"] == regime)
                             & (table["backbone"] == backbone)]
            for (generator, metric), line in in_panel.groupby(["generator", "metric"], sort=True):
                line = line.sort_values("value")
                colour = colours[generator]
                ax.plot(line["value"], line["score"], linestyle=dashes[metric], color=colour, linewidth=1.3)
                for value, score, significant in zip(line["value"], line["score"], line["significant"]):
                    ax.plot([value], [score], marker="o", markersize=5, color=colour,
                            markerfacecolor=colour if significant else "white", linestyle="none")
            ax.set_title(f"{backbone}, {regime}" + (f" ({dataset})" if len(set(table["dataset"])) > 1 else ""))
            ax.set_xlabel("k (generated queries per language)" if parameter == "k" else "alpha (fusion weight)")
            _x_scale(ax, np.sort(in_panel["value"].unique()), parameter)
        axes[0].set_ylabel("macro-average recall (%)")
        handles = [Line2D([], [], color=colours[g], label=f"xQG ({g})") for g in generator_names]
        handles += [Line2D([], [], color="0.3", linestyle=dashes[m], label=m) for m in metrics]
        handles += [Line2D([], [], color="0.3", marker="o", linestyle="none", label=f"differs from {parameter} = 0"),
                    Line2D([], [], color="0.3", marker="o", markerfacecolor="white", linestyle="none",
                           label="not significant")]
        title = (f"{parameter} = 0 is the plain retriever. Filled: differs from it at p < 0.05 ({TESTS[test]} on "
                 f"all questions pooled, {CORRECTIONS[correction]} correction over the points of a line).")
        figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 3), frameon=False,
                      title=legend_title(title, figure), title_fontsize=8)
        save_figure(figure, out_png, out_pdf)


def _x_scale(ax, values: np.ndarray, parameter: str) -> None:
    positive = values[values > 0]
    if parameter == "alpha" and len(positive) and positive.max() / positive.min() > 50:
        ax.set_xscale("symlog", linthresh=float(positive.min()))  # alphas span decades; 0 stays visible
    ax.set_xticks(values)
    ax.set_xticklabels([f"{v:g}" for v in values], fontsize=7)


def _sweep(outcomes, parameter, out_png, out_pdf, out_csv, k, alpha, test, correction) -> pd.DataFrame:
    table = sweep_table(outcomes, parameter=parameter, k=k, alpha=alpha, test=test, correction=correction)
    sweep_figure(table, out_png, out_pdf, correction=correction)
    if out_csv is not None:
        with atomic_open(out_csv) as handle:
            table.to_csv(handle, index=False)
    return table


def k_sweep_figure(outcomes: pd.DataFrame, *, out_png: str | os.PathLike, out_pdf: str | os.PathLike,
                   alpha: float, out_csv: str | os.PathLike | None = None, test: str = "mcnemar",
                   correction: str = "holm") -> pd.DataFrame:
    """Average R@Nkt against k at the default ``alpha``; writes the figure (and ``out_csv``, e.g.
    k_sweep.csv) and returns the plotted data (``sweep_table``)."""
    return _sweep(outcomes, "k", out_png, out_pdf, out_csv, 0, alpha, test, correction)


def alpha_sweep_figure(outcomes: pd.DataFrame, *, out_png: str | os.PathLike, out_pdf: str | os.PathLike,
                       k: int, out_csv: str | os.PathLike | None = None, test: str = "mcnemar",
                       correction: str = "holm") -> pd.DataFrame:
    """Average R@Nkt against alpha at the default ``k``; as :func:`k_sweep_figure`."""
    return _sweep(outcomes, "alpha", out_png, out_pdf, out_csv, k, 0.0, test, correction)


__all__ = ["SWEEP_COLUMNS", "alpha_sweep_figure", "k_sweep_figure", "save_figure", "sweep_figure", "sweep_table"]
