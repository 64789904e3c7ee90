"""The robustness figure: robustness ratio (attacked / clean) per language and system, with bootstrap CIs,
one panel per attack, regime and backbone."""

from __future__ import annotations

import os
from itertools import cycle

import matplotlib
import numpy as np
import pandas as pd

from xqg.languages import LANGUAGE_INFO
from xqg.reporting.k_sweep import _STYLE, _panel_grid, legend_title, save_figure
from xqg.reporting.outcomes import metric_name, regimes
from xqg.reporting.robustness import ALL_LANGUAGES, MEAN, _joshi_order


def _default_token_budget(table: pd.DataFrame, token_budget: int | None) -> int:
    budgets = sorted(table["token_budget"].unique())
    if token_budget is None:
        return int(budgets[0])
    if token_budget not in budgets:
        raise ValueError(f"token budget {token_budget} not in the table ({budgets})")
    return int(token_budget)


def _smallest_attack_budgets(table: pd.DataFrame) -> pd.DataFrame:
    smallest = table.groupby("attack")["attack_budget"].transform("min")
    return table[table["attack_budget"] == smallest]


def robustness_figure(table: pd.DataFrame, *, out_png: str | os.PathLike, out_pdf: str | os.PathLike,
                      token_budget: int | None = None) -> None:
    """Robustness ratio (attacked / clean) by language, high- to low-resource (Joshi class 5 -> 1), one
    bar per system with its bootstrap 95% CI; one panel per attack (its smallest budget, samples
    averaged per query) x regime x backbone. ``token_budget`` defaults to the smallest in the table (R@2kt)."""
    token_budget = _default_token_budget(table, token_budget)
    shown = _smallest_attack_budgets(table[(table["token_budget"] == token_budget) & (table["selection"] == MEAN)
                                           & (table["lang"] != ALL_LANGUAGES)])
    panels = [(r, b, a) for r in regimes(shown) for b in sorted(shown["backbone"].unique())
              for a in sorted(shown["attack"].unique())
              if ((shown["regime"] == r) & (shown["backbone"] == b) & (shown["attack"] == a)).any()]
    systems = sorted(shown["system"].unique(), key=lambda s: (s != "standard", s))
    colours = dict(zip(systems, cycle(matplotlib.colormaps["tab10"].colors)))
    width = 0.8 / len(systems)
    with matplotlib.rc_context(_STYLE):
        figure, axes = _panel_grid(len(panels), width=4.6, height=3.0)
        for ax, (regime, backbone, attack) in zip(axes, panels):
            rows = shown[(shown["regime"] == regime) & (shown["backbone"] == backbone) & (shown["attack"] == attack)]
            languages = sorted(rows["lang"].unique(), key=_joshi_order)
            for i, system in enumerate(systems):
                by_lang = rows[rows["system"] == system].set_index("lang").reindex(languages)
                x = np.arange(len(languages)) + (i - (len(systems) - 1) / 2) * width
                ratio = by_lang["ratio"].to_numpy(dtype=float)
                error = np.vstack([ratio - by_lang["ratio_ci_low"].to_numpy(dtype=float),
                                   by_lang["ratio_ci_high"].to_numpy(dtype=float) - ratio])
                ax.bar(x, ratio, width, color=colours[system], label=system,
                       yerr=np.nan_to_num(np.clip(error, 0, None)), capsize=2, error_kw={"linewidth": 0.8})
            ax.axhline(1.0, color="0.4", linewidth=0.8)
            ax.set_xticks(np.arange(len(languages)))
            ax.set_xticklabels([f"{lang}\n({LANGUAGE_INFO[lang].joshi_class})" if lang in LANGUAGE_INFO else lang
                                for lang in languages])
            budget = int(rows["attack_budget"].iloc[0])
            ax.set_title(f"{attack} (budget {budget}): {backbone}, {regime}")
        axes[0].set_ylabel(f"robustness ratio, {metric_name(token_budget)} (attacked / clean)")
        handles, labels = axes[0].get_legend_handles_labels()
        title = ("Languages from high to low resource (Joshi class in brackets). Error bars: bootstrap 95% CI "
                 "over queries; attacked samples averaged per query first.")
        figure.legend(handles, labels, loc="outside lower center", ncols=min(len(systems), 4), frameon=False,
                      title=legend_title(title, figure), title_fontsize=8)
        save_figure(figure, out_png, out_pdf)
