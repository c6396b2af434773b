"""China Standard Time, injectable for tests. Servers run in UTC: never use naive local time."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

CST = timezone(timedelta(hours=8), name="Asia/Shanghai")
WIRE_FORMAT = "%Y-%m-%d %H:%M:%S"

_now: Callable[[], datetime] = lambda: datetime.now(CST)


def now() -> datetime:
    return _now()


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); ``None`` restores the real one."""
    global _now
    _now = fn or (lambda: datetime.now(CST))


def now_ms() -> int:
    return int(now().timestamp() * 1000)


def to_wire(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(CST).strftime(WIRE_FORMAT)


def from_wire(text: str) -> datetime:
    """Parse ``yyyy-MM-dd HH:mm:ss`` as CST; raises ValueError on any other shape."""
    if not isinstance(text, str) or len(text) != 19:
        raise ValueError("时间格式应为 yyyy-MM-dd HH:mm:ss")
    return datetime.strptime(text, WIRE_FORMAT).replace(tzinfo=CST)
