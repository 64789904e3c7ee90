"""workflow_scripts/back_translate_queries.py run in-process as Snakemake runs it
with tiny random translation and similarity models: it writes the query sets, the summary and the
validity sample."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from tests.helpers.paths import ATTACK_EXAMPLES
from tests.helpers.script_runner import run_script
from tests.helpers.tiny_models import save_tiny_translation_models
from xqg.attacks import read_attacked_queries
from xqg.formats import read_questions
from xqg.settings.sections import ModelParaphraseSettings

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py

EXAMPLES = ATTACK_EXAMPLES


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, str]:
    return save_tiny_translation_models(tmp_path_factory.mktemp("tiny-models"))


class _Named(dict):
    """Snakemake's named lists: items by key and by attribute."""

    __getattr__ = dict.__getitem__


def test_workflow_script_writes_query_sets_summary_and_validity(models, tmp_path):
    settings = ModelParaphraseSettings(model=models["mt"], similarity_model=models["sim"], budgets=(1, 2),
                                       min_similarity=-1.0, chrf_bounds=(0, 100), candidates=1, top_k=5,
                                       max_new_tokens=8, max_input_length=256, batch_size=8, precision="fp32")
    out = _Named({"back_translation~1": str(tmp_path / "bt~1.jsonl"), "back_translation~2": str(tmp_path / "bt~2.jsonl"),
                  "summary": str(tmp_path / "summary.csv"), "validity": str(tmp_path / "validity.csv")})
    fake = SimpleNamespace(input=_Named(questions=str(EXAMPLES)), output=out, log=[str(tmp_path / "bt.log")], threads=1,
                           wildcards=SimpleNamespace(lang="te"),
                           params=SimpleNamespace(settings=settings, samples=2, seed=7, validity_per_language=2))
    run_script("back_translate_queries", fake)
    telugu = [q for q in read_questions(EXAMPLES) if q.lang == "te"]
    for budget in (1, 2):
        records = read_attacked_queries(out[f"back_translation~{budget}"])
        assert len(records) == 2 * len(telugu) and {r.budget for r in records} == {budget}
    summary = pd.read_csv(out["summary"])
    assert summary[["attack", "budget", "lang", "seed"]].values.tolist() == [["back_translation", 1, "te", 7],
                                                                               ["back_translation", 2, "te", 7]]
    assert len(pd.read_csv(out["validity"], encoding="utf-8-sig")) == 4  # 2 per language and budget
    assert "candidate verdicts" in (tmp_path / "bt.log").read_text(encoding="utf-8")
