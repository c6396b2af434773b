"""Structured JSON logs: one line per event, with ids; never keys or full auth codes."""
from __future__ import annotations

import json
import logging
import sys

_logger = logging.getLogger("upp")
if not _logger.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(message)s"))
    _logger.addHandler(_handler)
    _logger.setLevel(logging.INFO)
    _logger.propagate = False
    logging.getLogger("botocore").setLevel(logging.WARNING)


def log(event: str, level: int = logging.INFO, **fields) -> None:
    _logger.log(level, json.dumps({"event": event, **fields}, ensure_ascii=False, default=str))


def mask(code: str | None) -> str | None:
    """Keep the first 4 and last 4 digits of an auth code."""
    if not code:
        return code
    return code[:4] + "*" * max(0, len(code) - 8) + code[-4:] if len(code) > 8 else "****"
