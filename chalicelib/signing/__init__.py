"""Canonical JSON and MD5 signatures of the ISV API (SPEC §2.2). Pure: no I/O."""
from .canonical import (
    JsonNumber,
    canonical,
    dumps,
    parse_json,
    sign,
    verify,
    JsonParseError,
)

__all__ = ["JsonNumber", "canonical", "dumps", "parse_json", "sign", "verify", "JsonParseError"]
