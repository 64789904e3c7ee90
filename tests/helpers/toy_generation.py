"""The query generators' toy task: three passages, a word-level question pattern per language (small
enough for a tiny model to memorise) and the word-level tokenizers of the tiny models built on it."""

from __future__ import annotations

from xqg.formats import Passage
from xqg.generation.generator_training import GeneratorPair


PASSAGES = [
    Passage("p1", "Paris", "Paris is the capital of France ."),
    Passage("p2", "Helsinki", "Helsinki is the capital of Finland ."),
    Passage("p3", "Tokyo", "Tokyo is the capital of Japan ."),
]
QUESTIONS = {  # lang -> question pattern with the title; word-level so a tiny model can memorise them
    "ru": "что такое {t} ?",
    "fi": "mikä on {t} ?",
    "ja": "{t} とは 何 ですか ?",
}
PAIRS = [GeneratorPair(p.title, p.text, lang, q.format(t=p.title)) for p in PASSAGES for lang, q in QUESTIONS.items()]
EXTRA_WORDS = "Generate a Arabic Bengali Finnish Japanese Korean Russian Telugu question for this passage : unused words here".split()


def word_tokenizer(folder, style: str):
    """A word-level fast tokenizer over the toy texts; 'mt5' ids pad 0 / eos 1 / unk 2 and '$A </s>',
    'bert' ids <s> 0 / <pad> 1 / </s> 2 / <unk> 3 and '<s> $A </s>' (the XLM-R layout)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "</s>", "<unk>"] if style == "mt5" else ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    words = sorted({w for p in PAIRS for w in f"{p.passage_title} {p.passage_text} {p.question}".split()} | set(EXTRA_WORDS))
    vocab = {token: i for i, token in enumerate(specials + words)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    if style == "mt5":
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
        wrapped = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    else:
        tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
        wrapped = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                          unk_token="<unk>", cls_token="<s>", sep_token="</s>", mask_token="<mask>")
    wrapped.save_pretrained(folder)
    return wrapped
