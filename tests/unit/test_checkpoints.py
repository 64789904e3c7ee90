"""xqg.checkpoints: pickle-only checkpoints (pytorch_model.bin, as the released xQG generator and mT5 ship
them) load through torch's restricted unpickler and give the same model as their safetensors twin; a pickle
that would run code is refused before it can, at start (naming the config key) and in the loader."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import torch

from tests.helpers.tiny_models import SHORT, as_pickle_checkpoint, save_tiny_bert, save_tiny_mt5
from xqg.checkpoints import UnsafeCheckpointError, checkpoint_format, weights_problem
from xqg.encoder_spec import load_encoder


class _Payload:
    """Unpickling this calls ``os.system``: what a malicious checkpoint does."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _encode(folder: str) -> torch.Tensor:
    tokenizer, model = load_encoder(folder, local_files_only=True)
    with torch.no_grad():
        return model(**tokenizer([SHORT], return_tensors="pt")).last_hidden_state


@pytest.fixture(scope="module")
def twins(tmp_path_factory) -> tuple[str, str]:
    safetensors = save_tiny_bert(tmp_path_factory.mktemp("safetensors"))
    pickle = shutil.copytree(safetensors, tmp_path_factory.mktemp("pickle") / "model")
    return safetensors, as_pickle_checkpoint(pickle)


def test_a_pickle_only_encoder_equals_its_safetensors_twin(twins):
    safetensors, pickle = twins
    assert sorted(p.name for p in Path(pickle).iterdir() if p.name.startswith(("model", "pytorch"))) == ["pytorch_model.bin"]
    assert checkpoint_format(pickle, what="test", local_files_only=True) == "pickle"
    assert torch.equal(_encode(safetensors), _encode(pickle))


def test_a_sharded_pickle_checkpoint_loads(twins, tmp_path):
    safetensors, _ = twins
    sharded = as_pickle_checkpoint(shutil.copytree(safetensors, tmp_path / "sharded"), shards=3)
    assert len(list(Path(sharded).glob("pytorch_model-*.bin"))) == 3 and weights_problem(Path(sharded)) is None
    assert torch.equal(_encode(safetensors), _encode(sharded))


def test_a_pickle_only_mt5_generator_loads(tmp_path):
    from xqg.generation.generator import load_generator

    safetensors = load_generator(save_tiny_mt5(tmp_path / "safetensors"), prompt_style="text")
    pickle = load_generator(as_pickle_checkpoint(save_tiny_mt5(tmp_path / "pickle")), prompt_style="text")
    for name, tensor in safetensors.model.state_dict().items():
        assert torch.equal(tensor, pickle.model.state_dict()[name]), name


def _malicious(folder: Path, marker: Path) -> Path:
    state = torch.load(folder / "pytorch_model.bin", weights_only=True)
    torch.save({**state, "payload": _Payload(marker)}, folder / "pytorch_model.bin")
    return folder


def test_a_pickle_that_runs_code_is_refused_and_never_runs(twins, tmp_path):
    _, pickle = twins
    marker = tmp_path / "payload-ran"
    folder = _malicious(Path(shutil.copytree(pickle, tmp_path / "evil")), marker)
    with pytest.raises(UnsafeCheckpointError, match=r"evil/pytorch_model.bin: the encoder .* is refused .*Remedy: use "
                                                    r"a copy of the checkpoint in safetensors format"):
        load_encoder(str(folder), local_files_only=True)
    problem = weights_problem(folder)
    assert problem.startswith(f"{folder / 'pytorch_model.bin'}: the model is a pickle checkpoint") and "system" in problem
    assert not marker.exists()


def test_a_malicious_local_backbone_stops_the_run_at_start_naming_its_key(twins, tmp_path):
    from xqg.settings import ConfigError, load_settings
    from tests.unit.settings.test_loader import default_config

    _, pickle = twins
    marker = tmp_path / "payload-ran"
    _malicious(Path(shutil.copytree(pickle, tmp_path / "models" / "evil")), marker)
    config = default_config()
    config["backbones"]["me5-small"].update(source="local", model="models/evil")
    with pytest.raises(ConfigError, match=r"backbones\.me5-small\.model: .*models/evil/pytorch_model.bin: the model is a "
                                          r"pickle checkpoint .* refused"):
        load_settings(config, ["config.yaml"], tmp_path)
    assert not marker.exists()


def test_a_folder_without_weights_is_named(tmp_path):
    save_tiny_bert(tmp_path / "model")
    (tmp_path / "model" / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match=r"backbones.x.model: the folder .* holds no model weights"):
        checkpoint_format(str(tmp_path / "model"), what="backbones.x.model", local_files_only=True)


def test_the_released_generator_layout_loads_and_generates(tmp_path):
    """spiece.model without tokenizer.json and pytorch_model.bin only: the released xQG generator's files."""
    from tests.helpers.paths import ATTACK_EXAMPLES
    from tests.helpers.tiny_models import save_tiny_released_mt5
    from xqg.formats import read_questions
    from xqg.generation.generator import load_generator

    folder = Path(save_tiny_released_mt5(tmp_path / "xor-tydi-docTquery-mt5-base"))
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "generation_config.json", "pytorch_model.bin",
                                                        "special_tokens_map.json", "spiece.model", "tokenizer_config.json"]
    generator = load_generator(str(folder), prompt_style="text")
    text = read_questions(ATTACK_EXAMPLES)[0].text  # the tokenizer's training text: every character is known
    ids = generator.tokenizer(text, return_tensors="pt")["input_ids"]
    assert generator.tokenizer.unk_token_id not in ids[0].tolist() and ids[0, -1] == 1  # pieces, then </s>
    output = generator.model.generate(ids, max_new_tokens=4, do_sample=False)
    assert output.shape[0] == 1 and 1 < output.shape[1] <= 5
