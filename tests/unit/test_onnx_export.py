"""xqg.onnx_export: the graph's inputs computed outside it (word embeddings, position ids) as the model
computes them from token ids. (Exports themselves are tested through xqg.onnx_encoder.)"""

from __future__ import annotations

import numpy as np
import torch

from xqg.onnx_export import graph_inputs, position_ids


def test_position_ids_as_the_models_compute_them():
    from transformers.models.xlm_roberta.modeling_xlm_roberta import XLMRobertaEmbeddings

    ids = np.array([[0, 5, 1, 6, 2], [0, 5, 2, 1, 1]])  # a padding id inside the first text: "<pad>" in its words
    assert position_ids(ids, {"style": "absolute"}).tolist() == [[0, 1, 2, 3, 4]] * 2
    roberta = position_ids(ids, {"style": "after_padding", "padding_idx": 1})
    assert roberta.tolist() == [[2, 3, 1, 4, 5], [2, 3, 4, 1, 1]]
    assert roberta.tolist() == XLMRobertaEmbeddings.create_position_ids_from_input_ids(torch.tensor(ids), 1).tolist()


def test_graph_inputs_look_up_the_word_embeddings(tmp_path):
    np.save(tmp_path / "words.npy", np.arange(12, dtype=np.float32).reshape(6, 2))
    words = np.load(tmp_path / "words.npy", mmap_mode="r")  # memory-mapped, as the encoder opens it
    ids, mask = np.array([[0, 5, 3]]), np.array([[1, 1, 0]])
    inputs = graph_inputs(ids, mask, words, {"style": "absolute"})
    assert type(inputs["inputs_embeds"]) is np.ndarray
    assert inputs["inputs_embeds"].tolist() == [[[0, 1], [10, 11], [6, 7]]] and inputs["inputs_embeds"].dtype == np.float32
    assert inputs["attention_mask"].dtype == np.int64 and inputs["position_ids"].tolist() == [[0, 1, 2]]
