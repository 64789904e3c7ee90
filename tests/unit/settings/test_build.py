"""xqg.settings.build: the typed settings from a validated config."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from xqg.languages import LANGUAGES
from xqg.settings import load_settings
from xqg.settings.sections import FrozenDict, GreedyAttackSettings, ModelParaphraseSettings

ROOT = Path(__file__).resolve().parents[3]
DEFAULT = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def settings_of(change=lambda c: None):
    config = copy.deepcopy(DEFAULT)
    change(config)
    return load_settings(config, ["config.yaml"], ROOT)


def test_resolved_values():
    settings = settings_of()
    assert settings.xqg.fusion_languages == LANGUAGES  # "all"
    assert settings.attacks.model_paraphrase is None  # model: null
    assert isinstance(settings.attacks.adversarial.greedy, GreedyAttackSettings)
    assert settings.labels.backbones == {} and settings.reference_table is None
    assert isinstance(settings.backbones, FrozenDict) and list(settings.backbones) == ["me5-small"]
    assert settings.generators["neural"].training.decoder_layers == 2
    assert settings.generators["template"].base is None


def test_conditional_sections():
    def change(config):
        config["xqg"]["fusion_languages"] = ["te", "ar"]
        config["search"].update(depth=50, index="ivf")
        config["attacks"]["adversarial"]["greedy"] = False
        config["attacks"]["model_paraphrase"] = {"model": "facebook/nllb-200-distilled-600M",
                                                 "similarity_model": "sentence-transformers/LaBSE", "budgets": [2, 1]}
        config["labels"] = None

    settings = settings_of(change)
    assert settings.xqg.fusion_languages == ("te", "ar")
    assert settings.search_recall.cutoffs == (10,)  # null: 10 and 100, those <= search.depth
    assert settings.attacks.adversarial.greedy is None
    assert settings.attacks.model_paraphrase == ModelParaphraseSettings(
        model="facebook/nllb-200-distilled-600M", similarity_model="sentence-transformers/LaBSE", budgets=(2, 1),
        min_similarity=0.8, chrf_bounds=(20.0, 95.0), candidates=4, top_k=10, max_new_tokens=64, max_input_length=128,
        batch_size=32, precision="auto")
    assert settings.labels.generators == {}
