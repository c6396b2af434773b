"""Money is integer fen inside the platform; yuan strings only at the edges."""
from __future__ import annotations

import re

# At most 8 integer digits and 2 decimals, strictly positive (checked by callers via > 0).
_YUAN = re.compile(r"^(0|[1-9][0-9]{0,7})(\.[0-9]{1,2})?$")
MAX_FEN = 99_999_999_99


class MoneyFormatError(ValueError):
    pass


def yuan_to_fen(text: str) -> int:
    """Parse a yuan amount written as text ("1.10", "3", "0.5") into fen, exactly."""
    if not isinstance(text, str) or not _YUAN.match(text):
        raise MoneyFormatError("金额格式错误：最多 8 位整数、2 位小数")
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def fen_to_yuan(fen: int) -> str:
    """Format fen as a yuan string with exactly two decimals: 110 -> "1.10"."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("fen must be int")
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def positive_fen(value: object) -> int:
    """A wire amount (yuan text; JSON numbers arrive as their literal text) as fen, > 0.
    Raises ValueError with a message fit for the caller."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError("金额应为数字，单位元，最多两位小数")
    try:
        fen = yuan_to_fen(value)
    except MoneyFormatError as exc:
        raise ValueError(str(exc)) from exc
    if fen <= 0:
        raise ValueError("金额必须大于 0")
    return fen
