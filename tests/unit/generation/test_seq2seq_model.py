"""xqg.generation.seq2seq_model: which encoder layers initialise the decoder."""

from __future__ import annotations

import pytest

from xqg.generation.seq2seq_model import decoder_layer_sources


def test_decoder_layer_sources():
    assert decoder_layer_sources(12, 2) == [0, 11]
    assert decoder_layer_sources(12, 4) == [0, 4, 7, 11]
    assert decoder_layer_sources(12, 1) == [0]
    with pytest.raises(ValueError):
        decoder_layer_sources(3, 4)
