"""Outcome tables counted by hand for the reporting tests: one row per query, system, query set and
token budget, in the layout of xqg.reporting.outcomes.OUTCOME_COLUMNS."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

# --- clean query sets: Table 1, the k and alpha sweeps, the outcome reader -------------------------------


def clean_rows(hits: dict[str, list[int]], *, generator: str = "none", k: int = 0, alpha: float = 0.0,
               backbone: str = "mbert", regime: str = "fine-tuned", token_budget: int = 2000) -> list[dict]:
    """Outcome rows of the clean query set: ``hits[lang][i]`` is the hit of query ``{lang}{i}``."""
    return [dict(dataset="xor", backbone=backbone, regime=regime, generator=generator, k=k, alpha=alpha,
                 lang=lang, query_set="clean", attack_budget=0, sample=0, qid=f"{lang}{i}",
                 token_budget=token_budget, hit=hit, top_jaccard=math.nan)
            for lang, values in hits.items() for i, hit in enumerate(values)]


# ar: 4 queries, plain 2/4 = 50 %, xQG 3/4 = 75 % (one discordant pair: never significant).
# fi: 20 queries, plain 0/20, xQG 20/20: McNemar exact p = 2 * 0.5**20, significant after any correction.
PLAIN = {"ar": [1, 0, 0, 1], "fi": [0] * 20}
XQG = {"ar": [1, 1, 0, 1], "fi": [1] * 20}


def small_outcomes() -> pd.DataFrame:
    rows = []
    for budget in (2000, 5000):
        rows += clean_rows(PLAIN, token_budget=budget)
        rows += clean_rows(XQG, generator="neural", k=35, alpha=0.01, token_budget=budget)
        # the same generator at another k must not enter Table 1
        rows += clean_rows({"ar": [0, 0, 0, 0], "fi": [0] * 20}, generator="neural", k=5, alpha=0.01,
                           token_budget=budget)
    return pd.DataFrame(rows)


# --- clean and attacked query sets: the robustness analysis ----------------------------------------------

K, ALPHA = 35, 0.01


def system_rows(lang: str, generator: str, clean: list[int], samples: list[list[int]],
                jaccard: float = 0.5, attack: str = "typo", token_budget: int = 2000) -> list[dict]:
    """Clean hits per query, and ``samples[s][i]``: the hit of query i under attacked sample s."""
    k, alpha = (0, 0.0) if generator == "none" else (K, ALPHA)
    base = dict(dataset="xor", backbone="mbert", regime="fine-tuned", generator=generator, k=k, alpha=alpha,
                lang=lang, token_budget=token_budget)
    rows = [dict(base, query_set="clean", attack_budget=0, sample=0, qid=f"{lang}{i}", hit=hit,
                 top_jaccard=math.nan) for i, hit in enumerate(clean)]
    rows += [dict(base, query_set=attack, attack_budget=1, sample=s, qid=f"{lang}{i}", hit=hit, top_jaccard=jaccard)
             for s, hits in enumerate(samples) for i, hit in enumerate(hits)]
    return rows


def outcomes(n_samples: int = 2) -> pd.DataFrame:
    """ar (4 queries, counted in the tests), ru (2), bn (30: xQG hurts), te (30: xQG helps)."""
    rows = []
    # ar plain: clean 3/4; samples [1,0,0,0] and [1,1,0,0] -> per-query means [1, .5, 0, 0]
    rows += system_rows("ar", "none", [1, 1, 1, 0], [[1, 0, 0, 0], [1, 1, 0, 0]][:n_samples], jaccard=0.5)
    # ar xQG: clean 3/4; samples [1,1,1,0] and [1,1,0,0] -> means [1, 1, .5, 0]
    rows += system_rows("ar", "neural", [1, 1, 1, 0], [[1, 1, 1, 0], [1, 1, 0, 0]][:n_samples], jaccard=0.75)
    rows += system_rows("ru", "none", [1, 1], [[0, 1]] * n_samples)
    rows += system_rows("ru", "neural", [1, 1], [[1, 1]] * n_samples)
    rows += system_rows("bn", "none", [1] * 30, [[1] * 30] * n_samples)
    rows += system_rows("bn", "neural", [1] * 30, [[0] * 30] * n_samples)
    rows += system_rows("te", "none", [1] * 30, [[0] * 30] * n_samples)
    rows += system_rows("te", "neural", [1] * 30, [[1] * 30] * n_samples)
    # another generator at another k is not a system of the report
    rows += [dict(r, generator="neural", k=5) for r in system_rows("ar", "none", [0] * 4, [[0] * 4])]
    return pd.DataFrame(rows)


def cell(table: pd.DataFrame, lang: str, generator: str, selection: str = "mean") -> pd.Series:
    rows = table[(table["lang"] == lang) & (table["generator"] == generator) & (table["selection"] == selection)]
    assert len(rows) == 1
    return rows.iloc[0]


# --- the greedy attack's adversarial query sets: adaptive rows and the transfer table -----------------------

SYSTEMS = {"none": (0, 0.0), "mt5": (5, 0.01)}
HITS = {  # (lang, system searched, query set) -> hits of the questions
    ("fi", "none", "clean"): {"q1": 1, "q2": 1, "q5": 0},
    ("fi", "mt5", "clean"): {"q1": 1, "q2": 0, "q5": 0},
    ("fi", "none", "greedy@none"): {"q1": 0, "q2": 1},
    ("fi", "mt5", "greedy@none"): {"q1": 1, "q2": 0},
    ("fi", "none", "greedy@mt5"): {"q1": 1, "q2": 1},
    ("fi", "mt5", "greedy@mt5"): {"q1": 0, "q2": 0},
    ("ru", "none", "clean"): {"q3": 1, "q4": 0},
    ("ru", "mt5", "clean"): {"q3": 1, "q4": 1},
    ("ru", "none", "greedy@none"): {"q3": 0, "q4": 0},
    ("ru", "mt5", "greedy@none"): {"q3": 1, "q4": 1},
    ("ru", "none", "greedy@mt5"): {"q3": 0, "q4": 0},
    ("ru", "mt5", "greedy@mt5"): {"q3": 0, "q4": 1},
}


def transfer_outcomes() -> pd.DataFrame:
    rows = []
    for (lang, system, query_set), hits in HITS.items():
        k, alpha = SYSTEMS[system]
        for qid, hit in hits.items():
            rows.append({"dataset": "d", "backbone": "b", "regime": "zero-shot", "generator": system, "k": k,
                         "alpha": alpha, "lang": lang, "query_set": query_set,
                         "attack_budget": 0 if query_set == "clean" else 1, "sample": 0, "qid": qid,
                         "token_budget": 50, "hit": hit, "top_jaccard": np.nan if query_set == "clean" else 0.5})
    return pd.DataFrame(rows)
