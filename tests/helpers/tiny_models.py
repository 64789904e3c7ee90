"""Tiny random models built in a test's folder (no downloads): word-level BERT and mT5 over :data:`WORDS`, and
character-level translation and similarity models over the attack examples."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from tests.helpers.paths import ATTACK_EXAMPLES

WORDS = [f"w{i}" for i in range(40)] + ["title", "passage", "question", "Generate", "a", "for", "this", "Russian",
                                       "Finnish", "Japanese", ":"]
SHORT, LONG = "w1 w2 w3", " ".join(WORDS[:20])  # 5 and 22 tokens with [CLS] and [SEP] (save_tiny_bert)


def _word_tokenizer(specials: list[str], template: str, special_ids: list[tuple[str, int]], **names):
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(specials + WORDS)}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token=names["unk_token"]))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.post_processor = processors.TemplateProcessing(single=template, special_tokens=special_ids)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, **names), len(vocab)


def save_tiny_bert(folder: str | Path) -> str:
    """A 2-layer BERT encoder ([CLS] text [SEP]) over :data:`WORDS`."""
    from transformers import BertConfig, BertModel

    tokenizer, size = _word_tokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]"], "[CLS] $A [SEP]", [("[CLS]", 2), ("[SEP]", 3)],
                                      pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                        max_position_embeddings=128, pad_token_id=0)
    BertModel(config, add_pooling_layer=False).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return str(folder)


def save_tiny_mt5(folder: str | Path) -> str:
    """A 2-layer mT5 (text $A </s>) over :data:`WORDS`, untrained: a foreign generator (the "text" prompt)."""
    from transformers import MT5Config, MT5ForConditionalGeneration

    tokenizer, size = _word_tokenizer(["<pad>", "</s>", "<unk>"], "$A </s>", [("</s>", 1)],
                                      pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    torch.manual_seed(0)
    config = MT5Config(vocab_size=size, d_model=16, d_kv=4, d_ff=32, num_layers=1, num_decoder_layers=1, num_heads=2,
                       pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, tie_word_embeddings=False)
    MT5ForConditionalGeneration(config).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return str(folder)


def _attack_example_texts() -> list[str]:
    from xqg.formats import read_questions

    return [q.text for q in read_questions(ATTACK_EXAMPLES)]


def _characters(texts: list[str]) -> list[str]:
    english = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ?"
    return sorted({c for text in texts for c in text if not c.isspace()} | set(english))


def _as_sentence_transformer(folder: Path, max_seq_length: int) -> None:
    """Make a BERT folder a sentence-transformers model laid out as sentence-transformers/LaBSE is:
    modules.json, 1_Pooling (cls), 2_Dense (hidden -> hidden, tanh, safetensors), 3_Normalize."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Pooling, Transformer

    transformer = Transformer(str(folder), max_seq_length=max_seq_length)
    dim = transformer.get_embedding_dimension()
    torch.manual_seed(1)
    dense = Dense(dim, dim, activation_function=torch.nn.Tanh())
    modules = [transformer, Pooling(dim, pooling_mode="cls"), dense, Normalize()]
    SentenceTransformer(modules=modules, device="cpu").save(str(folder))
    # the module types as the hub repository names them (sentence-transformers 2.x paths, which 6.x still reads)
    listed = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    for entry, name in zip(listed, ("Transformer", "Pooling", "Dense", "Normalize"), strict=True):
        entry["type"] = f"sentence_transformers.models.{name}"
    (folder / "modules.json").write_text(json.dumps(listed, indent=2), encoding="utf-8")


def save_tiny_translation_models(root: Path, texts: list[str] | None = None, similarity_positions: int = 64,
                                 whole_words: list[str] | None = None) -> dict[str, str]:
    """Character-vocabulary models over the characters of ``texts`` (default: the attack examples,
    tests/data/attack_examples.jsonl) and English: "mt", an NLLB-tokenised M2M100 (the architecture of
    NLLB-200 dense); "sim", a BERT similarity encoder as a sentence-transformers model in LaBSE's layout
    (``similarity_positions`` positions; LaBSE has 512), whose WordPiece vocabulary also holds
    ``whole_words`` as LaBSE's holds frequent words (candidates for the neighbour_synonym lexicon);
    "not-mt", a BERT model that is no translation model."""
    from transformers import BertConfig, BertModel, BertTokenizer, M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    chars = _characters(texts if texts is not None else _attack_example_texts())
    vocab = {token: i for i, token in enumerate(["<s>", "<pad>", "</s>", "<unk>", "\u2581", *chars])}
    tokenizer = NllbTokenizer(vocab=vocab, merges=[])  # character BPE; adds the 202 FLORES language tokens
    torch.manual_seed(0)
    config = M2M100Config(vocab_size=len(tokenizer), d_model=16, encoder_layers=1, decoder_layers=1,
                          encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
                          max_position_embeddings=128, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                          decoder_start_token_id=2)
    tokenizer.save_pretrained(root / "mt")
    M2M100ForConditionalGeneration(config).save_pretrained(root / "mt")

    pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *(f"##{c}" for c in chars)]
    pieces += sorted(set(whole_words or ()) - set(pieces))
    bert_vocab = {t: i for i, t in enumerate(pieces)}
    BertTokenizer(vocab=bert_vocab, do_lower_case=False, strip_accents=False).save_pretrained(root / "sim")
    BertModel(BertConfig(vocab_size=len(bert_vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, max_position_embeddings=similarity_positions, initializer_range=0.5),
              add_pooling_layer=False).save_pretrained(root / "sim")
    _as_sentence_transformer(root / "sim", similarity_positions)

    BertModel(BertConfig(vocab_size=len(bert_vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32)).save_pretrained(root / "not-mt")
    return {"mt": str(root / "mt"), "sim": str(root / "sim"), "not-mt": str(root / "not-mt")}


def as_pickle_checkpoint(folder: str | Path, shards: int = 1) -> str:
    """Rewrite a saved model folder as the hub repositories that predate safetensors ship it: weights in
    ``pytorch_model.bin`` (written with ``torch.save``, as transformers 5 always writes safetensors), or
    in ``shards`` files with a ``pytorch_model.bin.index.json``, and no ``model.safetensors``."""
    import json

    from safetensors.torch import load_file

    folder = Path(folder)
    state = load_file(folder / "model.safetensors")
    (folder / "model.safetensors").unlink()
    if shards == 1:
        torch.save(state, folder / "pytorch_model.bin")
        return str(folder)
    names = sorted(state)
    weight_map = {}
    for shard in range(shards):
        file = f"pytorch_model-{shard + 1:05d}-of-{shards:05d}.bin"
        part = {name: state[name] for name in names[shard::shards]}
        torch.save(part, folder / file)
        weight_map.update(dict.fromkeys(part, file))
    (folder / "pytorch_model.bin.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    return str(folder)


def save_tiny_released_mt5(folder: str | Path, texts: list[str] | None = None) -> str:
    """A tiny random mT5 laid out as ``ielabgroup/xor-tydi-docTquery-mt5-base`` ships: ``config.json``,
    ``pytorch_model.bin``, a SentencePiece ``spiece.model`` (trained on ``texts``, default the attack
    examples and :data:`WORDS`), ``tokenizer_config.json`` and ``special_tokens_map.json``, and no
    ``tokenizer.json`` (so the tokenizer needs sentencepiece)."""
    import io
    import json

    import sentencepiece
    from transformers import MT5Config, MT5ForConditionalGeneration

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    texts = texts if texts is not None else [*_attack_example_texts(), " ".join(WORDS)] * 20
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_writer=model, vocab_size=len(set("".join(texts))) + 200, hard_vocab_limit=False,
        model_type="unigram", character_coverage=1.0, pad_id=0, eos_id=1, unk_id=2, bos_id=-1, minloglevel=2)
    (folder / "spiece.model").write_bytes(model.getvalue())
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "T5Tokenizer", "extra_ids": 0,
                                                               "model_max_length": 512}))
    (folder / "special_tokens_map.json").write_text(json.dumps({"eos_token": "</s>", "unk_token": "<unk>",
                                                                 "pad_token": "<pad>"}))
    processor = sentencepiece.SentencePieceProcessor(model_proto=model.getvalue())
    torch.manual_seed(0)
    config = MT5Config(vocab_size=processor.get_piece_size(), d_model=16, d_kv=4, d_ff=32, num_layers=1,
                       num_decoder_layers=1, num_heads=2, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
                       tie_word_embeddings=False)
    MT5ForConditionalGeneration(config).save_pretrained(folder)
    return as_pickle_checkpoint(folder)
