"""Logging helpers for pipeline scripts: send a block's stdout/stderr and `logging` output to a log file."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def to_file(path: str | Path, append: bool = False) -> Iterator[logging.Logger]:
    """Redirect stdout, stderr and the root logger to `path`: a rerun starts the log afresh, except with `append`
    (training, which resumes after a kill: its log keeps what the killed run wrote).

    Tracebacks of exceptions raised inside the block land in the log too, then the exception propagates.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a" if append else "w", buffering=1) as fh:
        handler = logging.StreamHandler(fh)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        try:
            with contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
                try:
                    yield root
                except BaseException:
                    logging.getLogger("textsr").exception("failed")
                    raise
        finally:
            root.removeHandler(handler)
            root.setLevel(old_level)
            sys.stdout.flush()
