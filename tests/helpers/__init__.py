"""Helpers shared by the tests, imported as ``tests.helpers.<module>`` (tests/conftest.py has the shared
fixtures): paths, the Snakemake and rule-script runners, tiny models and hand-counted test data."""
