"""xqg.training_outputs: the final model is published into the rule's output, then the work folder
(model copy, checkpoints) is removed unless asked to keep it; a killed run keeps its checkpoint until then."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from tests.helpers.tiny_models import WORDS
from xqg.encoder_spec import EncoderSpec
from xqg.retriever.bi_encoder import TrainingConfig, TrainingExample
from xqg.retriever.training import train_bi_encoder
from xqg.training_outputs import publish_model


TOKENS = WORDS[:40]


def _examples(count: int, seed: int = 0) -> list[TrainingExample]:
    rng = random.Random(seed)
    examples = []
    for _ in range(count):
        words = rng.sample(TOKENS, 3)
        positive = " ".join(rng.sample(words + rng.sample(TOKENS, 3), 6))
        negatives = tuple(("title", " ".join(rng.sample(TOKENS, 6))) for _ in range(2))
        examples.append(TrainingExample(" ".join(words), (("title", positive),), negatives))
    return examples


def _train(model: str, work: Path, **overrides):
    spec = EncoderSpec(model, pooling="mean", max_query_length=8, max_passage_length=16)
    config = TrainingConfig(**({"learning_rate": 1e-3, "batch_size": 4, "negatives_per_query": 1, "epochs": 2,
                                "max_steps": 4, "checkpoint_every": 2, "seed": 3} | overrides))
    return train_bi_encoder(_examples(12), spec, config, work, device="cpu", threads=1, progress=False)


def test_publish_removes_the_work_folder_once_the_model_is_written(tmp_path, tiny_bert):
    results = tmp_path / "results" / "ci"
    work = results / "checkpoints" / "retriever" / "bert" / "fine-tuned"
    _train(tiny_bert, work)
    assert (work / "model.safetensors").exists()
    out = results / "models" / "bert" / "fine-tuned"
    out.parent.mkdir(parents=True)
    publish_model(work, out, work=work, ignore=shutil.ignore_patterns("checkpoint"))
    assert (out / "model.safetensors").exists() and (out / "tokenizer.json").exists() and (out / "summary.json").exists()
    assert not work.exists()
    assert not (results / "checkpoints").exists()  # emptied parents go, up to the checkpoints folder
    assert not out.with_name(out.name + ".part").exists()


def test_publish_keeps_the_work_folder_when_asked(tmp_path, tiny_bert):
    work = tmp_path / "checkpoints" / "retriever" / "bert" / "fine-tuned"
    _train(tiny_bert, work)
    out = tmp_path / "model"
    publish_model(work, out, work=work, keep_work=True, ignore=shutil.ignore_patterns("checkpoint"))
    assert (out / "model.safetensors").exists() and (work / "model.safetensors").exists()


def test_other_folders_next_to_the_work_folder_stay(tmp_path, tiny_bert):
    checkpoints = tmp_path / "checkpoints"
    work, other = checkpoints / "retriever" / "bert" / "fine-tuned", checkpoints / "retriever" / "bert" / "zero-shot"
    other.mkdir(parents=True)
    _train(tiny_bert, work)
    publish_model(work, tmp_path / "model", work=work)
    assert not work.exists() and other.is_dir()


class _Killed(Exception):
    pass


def test_a_killed_training_keeps_its_checkpoint_and_resumes(tmp_path, tiny_bert):
    """Nothing is removed before the final model is published: the checkpoint of a killed run is there to resume."""
    work = tmp_path / "checkpoints" / "retriever" / "bert" / "fine-tuned"

    def kill_at_step_3(step, loss):
        if step == 3:
            raise _Killed

    spec = EncoderSpec(tiny_bert, pooling="mean", max_query_length=8, max_passage_length=16)
    config = TrainingConfig(learning_rate=1e-3, batch_size=4, negatives_per_query=1, epochs=2, max_steps=4, checkpoint_every=2,
                            seed=3)
    with pytest.raises(_Killed):
        train_bi_encoder(_examples(12), spec, config, work, device="cpu", threads=1, progress=False, on_step=kill_at_step_3)
    assert (work / "checkpoint" / "state.json").exists()
    resumed = _train(tiny_bert, work)
    assert resumed.resumed_from_step == 2
    publish_model(work, tmp_path / "model", work=work, ignore=shutil.ignore_patterns("checkpoint"))
    assert not work.exists() and (tmp_path / "model" / "model.safetensors").exists()
