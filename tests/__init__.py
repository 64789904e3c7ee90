"""The test suite: tests/unit mirrors src/xqg, tests/workflow drives the workflow (see tests/conftest.py)."""
