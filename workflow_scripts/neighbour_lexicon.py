"""Rule neighbour_lexicon: each language's dev-question content words and their nearest whole words in the
configured encoder's space (xqg.attacks.neighbour_synonym). One job for every language: the encoder is
loaded once (xqg.encoding and sentence_vectors keep it per process); each language is encoded on its own,
in the batches a one-language job would use, so its lexicon does not depend on the other languages."""


import numpy as np

from xqg.attacks.neighbour_synonym import build_lexicon, candidate_words, replaceable_words, write_lexicon
from xqg.formats import read_questions
from xqg.rule_logging import rule_log
from xqg.tokenizer_loading import load_tokenizer

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.settings  # xqg.settings.sections.NeighbourSynonymSettings
    threads = snakemake.threads
    if snakemake.params.spec is not None:  # backbone:NAME: the backbone as shipped, as it encodes queries
        from xqg.encoder_spec import EncoderSpec
        from xqg.encoding import encode_texts

        spec = EncoderSpec(model=snakemake.params.model, **snakemake.params.spec)

        def encode(texts) -> np.ndarray:
            return encode_texts(texts, spec, kind="query", batch_size=settings.batch_size, precision=settings.precision,
                                backend="torch", threads=threads, progress=True)
    else:  # a sentence encoder
        import torch

        from xqg.attacks.back_translation import sentence_vectors

        torch.set_num_threads(threads)

        def encode(texts) -> np.ndarray:
            return sentence_vectors(list(texts), snakemake.params.model, device="auto", precision=settings.precision,
                                    batch_size=settings.batch_size, max_length=32)

    # the vocabulary only: the encoder itself is loaded once, by the encode call
    model = snakemake.params.model
    tokenizer = load_tokenizer(model)
    languages = list(snakemake.output.keys())
    vocabulary = tokenizer.get_vocab()
    questions = read_questions(snakemake.input.questions, languages=languages)
    for lang in languages:
        candidates = candidate_words(vocabulary, lang, settings.min_word_frequency)
        query_words = sorted({word for q in questions if q.lang == lang for _, word in replaceable_words(q.text, lang)})
        lexicon = build_lexicon(query_words, candidates, encode, neighbours=settings.neighbours,
                                min_similarity=settings.min_similarity)
        write_lexicon(snakemake.output[lang], lexicon)
        log.info("%s, encoder %s: %d candidate words; %d of %d replaceable dev-question words have a neighbour "
                 "with cosine >= %s", lang, snakemake.params.model, len(candidates), len(lexicon), len(query_words),
                 settings.min_similarity)
