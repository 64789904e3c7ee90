"""Rule neighbour_lexicon: one language's dev-question content words and their nearest whole words in the
configured encoder's space (xqg.attacks.neighbour_synonym)."""

from pathlib import Path

import numpy as np
from transformers import AutoTokenizer

from xqg.attacks.neighbour_synonym import build_lexicon, candidate_words, replaceable_words, write_lexicon
from xqg.formats import read_questions
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.settings  # xqg.settings.sections.NeighbourSynonymSettings
    lang, threads = snakemake.wildcards.lang, snakemake.threads
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
    tokenizer = AutoTokenizer.from_pretrained(model, trust_remote_code=False, local_files_only=Path(model).is_dir())
    candidates = candidate_words(tokenizer.get_vocab(), lang, settings.min_word_frequency)
    questions = read_questions(snakemake.input.questions, languages=[lang])
    query_words = sorted({word for q in questions for _, word in replaceable_words(q.text, lang)})
    lexicon = build_lexicon(query_words, candidates, encode, neighbours=settings.neighbours,
                            min_similarity=settings.min_similarity)
    write_lexicon(snakemake.output[0], lexicon)
    log.info("%s, encoder %s: %d candidate words; %d of %d replaceable dev-question words have a neighbour with "
             "cosine >= %s", lang, snakemake.params.model, len(candidates), len(lexicon), len(query_words),
             settings.min_similarity)
