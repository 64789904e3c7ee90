"""An offline, XOR-TyDi-shaped benchmark built from CLDR (babel) and ISO 3166 (pycountry) data.

What it is: questions in the seven XOR-TyDi languages (ar, bn, fi, ja, ko, ru, te) about 249 ISO 3166-1
territories (their currency, official name, ISO alpha-3 code, time-zone city and most widely spoken
language), English answer strings, and an English passage corpus written from the same facts: four
passages per territory (profile, languages, time zones, and its name in the seven languages, which states
no answer but matches the question's script) plus distractor passages about currencies, languages and
groups of time zones. Train and dev questions are about disjoint sets of territories; one
corpus serves both, as XOR-TyDi's Wikipedia does. Every passage that contains an answer string counts as
gold (XOR-TyDi's metric counts any such passage as a hit); answers that occur inside a longer word or
name, or in more than a few passages, are not asked about.

Files (XOR-TyDi's formats, so the same loaders read both):

- ``corpus.tsv``: passages, TSV ``id<TAB>text<TAB>title``, ids ``emb-000123``.
- ``xor_train_retrieve_eng_span.jsonl``, ``xor_dev_retrieve_eng_span.jsonl``: questions,
  ``{"id","question","answers","lang","split"}``.
- ``qrels.train.tsv``, ``qrels.dev.tsv``: TREC qrels, every answer-stating passage relevant (1).
- ``generator_pairs.train.jsonl``, ``generator_pairs.dev.jsonl``: ``{"passage_id","lang","question"}``,
  the territory's passage that states the answer and the question in language ``lang``; train pairs train
  the query generator, dev pairs are held-out references (chrF of generated queries).
- ``english_train.jsonl``: English questions about train territories, ``{"id","question","answers",
  "positive_passage_ids"}``, for the zero-shot regime (the paper's zero-shot retriever sees English only).

Question phrasings differ between train and dev, so that a generator trained on train questions has not
seen the dev surface forms.

What it is not: Wikipedia, or natural information needs. Passages are short, templated and about one
domain; questions are templated, so lexical and script effects differ from XOR-TyDi's. Absolute recall
is not comparable with the paper's; the benchmark exists to run every stage of the workflow offline and
to compare systems with each other on it. Recall is measured at token budgets scaled to the corpus
(see docs/embedded_benchmark.md for the calibrated budgets).

Sources and licences: CLDR data (Unicode licence) through babel (BSD-3-Clause); ISO 3166 data through
pycountry (LGPL-2.1). Templates written for this project.
"""

from xqg.embedded_benchmark.builder import (
    BenchmarkFiles,
    BenchmarkQuestion,
    EmbeddedBenchmark,
    build_embedded_benchmark,
    generate_embedded_benchmark,
)

__all__ = [
    "BenchmarkFiles",
    "BenchmarkQuestion",
    "EmbeddedBenchmark",
    "build_embedded_benchmark",
    "generate_embedded_benchmark",
]
