"""Per-rule logs for the workflow scripts: everything a rule prints goes to its ``log:`` file."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def rule_log(log_path: str | None) -> Iterator[logging.Logger]:
    """Send logging, stdout and stderr (tqdm progress bars included) to ``log_path`` for the block.

    Errors are logged with their traceback, then re-raised so that Snakemake marks the job failed.
    """
    if not log_path:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        yield logging.getLogger("xqg")
        return
    os.makedirs(os.path.dirname(log_path) or ".", exist_ok=True)
    with open(log_path, "w", encoding="utf-8", buffering=1) as handle:
        root = logging.getLogger()
        handler = logging.StreamHandler(handle)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)
        logger = logging.getLogger("xqg")
        with contextlib.redirect_stdout(handle), contextlib.redirect_stderr(handle):
            try:
                yield logger
            except BaseException:
                logger.exception("rule failed")
                raise
