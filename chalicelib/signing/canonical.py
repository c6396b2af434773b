"""Byte-exact signing: lossless JSON parsing, canonical JSON, MD5 sign, constant-time verify.

Numbers must be signed exactly as their literal text appeared in the JSON received, so the
parser keeps every JSON number as a ``JsonNumber``: a ``str`` subclass holding the literal.
Validation then treats numbers and numeric strings alike (SPEC §2.1 accepts both).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any


class JsonNumber(str):
    """A JSON number kept as its literal text (``1.10`` stays ``"1.10"``)."""

    __slots__ = ()


class JsonParseError(ValueError):
    pass


def _no_constants(name: str) -> Any:
    raise JsonParseError(f"非法 JSON 常量 {name}")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    obj: dict = {}
    for key, value in pairs:
        if key in obj:
            raise JsonParseError(f"重复的字段 {key}")
        obj[key] = value
    return obj


def parse_json(body: bytes | str) -> Any:
    """Parse JSON losslessly: numbers become JsonNumber, duplicate keys and NaN are refused."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonParseError("请求体不是 UTF-8 编码") from exc
    if body.startswith("\ufeff"):
        body = body[1:]
    try:
        return json.loads(
            body,
            parse_int=JsonNumber,
            parse_float=JsonNumber,
            parse_constant=_no_constants,
            object_pairs_hook=_unique_keys,
        )
    except JsonParseError:
        raise
    except (ValueError, RecursionError) as exc:
        raise JsonParseError("请求体不是合法的 JSON") from exc


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (dict, list)) and not value)


def _scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):  # includes JsonNumber: its literal text
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        raise TypeError("floats are not allowed in signed data; use Decimal or int")
    if isinstance(value, dict):
        return _canonical_obj(value)
    if isinstance(value, list):
        return [_scalar(v) for v in value]
    raise TypeError(f"cannot sign value of type {type(value).__name__}")


def _canonical_obj(obj: dict) -> dict:
    out = {}
    for key in sorted(obj):  # code point order, case-sensitive
        value = obj[key]
        if _is_empty(value):
            continue
        value = _scalar(value)
        if _is_empty(value):  # a nested object whose fields were all empty
            continue
        out[key] = value
    return out


def canonical(obj: dict) -> str:
    """The ``data`` string of SPEC §2.2: all fields but ``sign``, empties dropped, keys sorted."""
    fields = {k: v for k, v in obj.items() if k != "sign"}
    return json.dumps(_canonical_obj(fields), ensure_ascii=False, separators=(",", ":"))


def sign(obj: dict, key: str) -> str:
    return hashlib.md5((canonical(obj) + key).encode("utf-8")).hexdigest()


def verify(obj: dict, key: str) -> bool:
    given = obj.get("sign")
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(sign(obj, key).encode(), given.lower().encode())


def _encode(value: Any) -> str:
    if isinstance(value, JsonNumber):
        return str.__str__(value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(
            f"{json.dumps(str(k), ensure_ascii=False)}:{_encode(v)}" for k, v in value.items()
        ) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(obj: Any) -> str:
    """Serialise for the wire: compact, UTF-8 as is; a JsonNumber is written as its literal."""
    return _encode(obj)
