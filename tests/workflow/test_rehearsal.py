"""The full study's rehearsal (make rehearse): config/xor_tydi.yaml with only its inputs and scale swapped
(config/rehearsal.yaml) runs every rule of the full study on CPU, on tiny random models in hub layout
(the released generator as pytorch_model.bin + spiece.model) and XOR-TyDi/Tevatron-format data. The
numbers mean nothing; the outputs must exist, parse and be consistent."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers.snakemake_runner import planned_jobs
from tests.rehearsal.run import CONFIGS, rehearse
from xqg.languages import LANGUAGES
from xqg.reporting.tables import NO_REFERENCE, VERDICT_BOUNDS

pytestmark = pytest.mark.slow
FULL = ["--configfile", str(CONFIGS[0])]
MODELS = ["mBERT", "mBERT + xQG", "mBERT + noisy xQG", "XLM-R", "XLM-R + xQG", "XLM-R + noisy xQG"]
REGIMES = {"fine-tuned", "zero-shot", "perturbation-tuned"}  # the last: a defence, as is noisy xQG


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rehearsal")
    seconds = rehearse(folder, cores=2, timeout=3600)
    print(f"rehearsal: {seconds:.0f} s")
    return folder, folder / "results" / "xor_tydi"


def test_every_rule_of_the_full_study_ran(rehearsal):
    folder, _ = rehearsal
    full = set(planned_jobs(*FULL, "--forceall")) - {"all"}
    # the overlay points every data file at a local copy: nothing to download, the one rule left out
    assert full - {"download_xor_tydi_file"} <= {path.name.removesuffix(".log") for path in
                                                  (folder / "logs" / "xor_tydi").iterdir()}
    assert planned_jobs("--configfile", *map(str, CONFIGS), cwd=folder) == {}  # and nothing is left to do


def test_table1_has_both_budgets_regimes_and_every_language(rehearsal):
    _, results = rehearsal
    scores = pd.read_csv(results / "table1.scores.csv")
    assert set(scores["metric"]) == {"R@2kt", "R@5kt"} and set(scores["regime"]) == REGIMES
    assert sorted(set(scores["model"])) == sorted(MODELS) and len(scores) == 2 * 3 * 6
    values = scores[[*LANGUAGES, "avg"]]
    assert values.notna().all().all() and ((values >= 0) & (values <= 100)).all().all()


def test_the_reference_delta_grades_every_cell(rehearsal):
    _, results = rehearsal
    graded = pd.read_csv(results / "table1.reference_delta.csv", keep_default_na=False)
    assert len(graded) == 2 * 3 * 6 * (len(LANGUAGES) + 1)  # every cell of Table 1
    verdicts = {name for name, _ in VERDICT_BOUNDS} | {"FAIL", NO_REFERENCE}
    for source, graded_cells in (("paper", 4), ("public-code", 2 * 2 * 8)):
        assert set(graded[f"{source} verdict"]) <= verdicts
        assert (graded[f"{source} verdict"] != NO_REFERENCE).sum() == graded_cells, source
    assert (results / "table1.reference_delta.md").read_text(encoding="utf-8").startswith("Our score beside each reference")


def test_generation_sweep_and_robustness_outputs(rehearsal):
    folder, results = rehearsal
    records = [json.loads(line) for line in
               (results / "generated" / "mt5" / "shard~0.jsonl").read_text(encoding="utf-8").splitlines()]
    passages = {r["passage_id"] for r in records}
    assert len(records) == 7 * len(passages) > 100 and {r["lang"] for r in records} == set(LANGUAGES)
    assert all(len(r["queries"]) == 5 for r in records)  # the paper's 5 queries a language
    # noisy xQG (a defence): mt5's queries, about half of them attacked, the layout kept
    noisy = [json.loads(line) for line in
             (results / "generated" / "mt5-noisy" / "shard~0.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["passage_id"], r["lang"], len(r["queries"])) for r in noisy] == \
        [(r["passage_id"], r["lang"], len(r["queries"])) for r in records]
    pairs = [(a, b) for n, r in zip(noisy, records) for a, b in zip(n["queries"], r["queries"])]
    # the tiny model's random text is often in no script an attack of its language edits: some changed, not all
    assert 0 < sum(a != b for a, b in pairs) < 0.7 * len(pairs)
    question = pd.read_csv(results / "research_question.full.csv")
    assert {"perturbation-augmented fine-tuning", "noisy xQG against xQG", "both defences"} <= set(question["comparison"])
    sweep = pd.read_csv(results / "k_sweep.csv")
    k_values = sweep[sweep["parameter"] == "k"]["value"]
    assert sorted(set(k_values)) == [0, 1, 2, 3, 4, 5]  # 0: the plain retriever
    robustness = pd.read_csv(results / "robustness.csv")
    assert not robustness.empty
    outcomes = pd.read_csv(results / "outcomes.csv")
    for lang in LANGUAGES:
        for budget in (1, 2):
            assert (results / "attacks" / lang / f"back_translation~{budget}.jsonl").stat().st_size > 0
    assert (results / "report.html").stat().st_size > 100_000
    assert set(outcomes["lang"]) == set(LANGUAGES)
    attacks = {name.split("@")[0] for name in outcomes["query_set"].unique()}
    assert {"clean", "back_translation", "typo", "transliteration", "greedy"} <= attacks
