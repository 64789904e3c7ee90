"""Fixtures of the top-level module tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module", params=["bert", "xlm-roberta"])
def tiny_model(request, tmp_path_factory) -> str:
    """A tiny random BERT or XLM-R encoder (tests.helpers.tiny_encoders): each test using it runs on both."""
    from tests.helpers.tiny_encoders import save_tiny_encoder

    return save_tiny_encoder(tmp_path_factory.mktemp(request.param), request.param)
