"""The sizes of the small embedded benchmark the tests build (tests/unit/embedded_benchmark)."""

SMALL = dict(dev_per_language=30, train_per_language=80, distractors=300)
