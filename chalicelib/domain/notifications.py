"""Notifications to the hospital's business service (SPEC §4): schedule and success rule."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

# Waits before retries 1..15 after a failed delivery: 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m,
# 30m, 60m, 3h, 3h, 3h, 6h, 6h (≈ 24 h in all). After the last one fails: notify-failed.
RETRY_DELAYS = tuple(timedelta(seconds=s) for s in (
    15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600))
LEASE = timedelta(seconds=60)   # how long a dispatcher owns a notification while sending it


def next_attempt(failed_attempts: int, at: datetime, scale: float = 1.0) -> datetime | None:
    """When to try again after ``failed_attempts`` failures; None when retries are exhausted.
    ``scale`` < 1 compresses the schedule (local demos only)."""
    if failed_attempts > len(RETRY_DELAYS):
        return None
    return at + RETRY_DELAYS[failed_attempts - 1] * scale


def delivered(status: int, body: str) -> bool:
    """Success = HTTP 2xx with body ``success`` or ``{"result":true}``."""
    if not 200 <= status < 300:
        return False
    text = (body or "").strip()
    if text.lower() == "success":
        return True
    try:
        return json.loads(text).get("result") is True
    except (ValueError, AttributeError):
        return False


def notify_id(at: datetime, event_key: str) -> str:
    """Stable, time-ordered id of one event's notification (ordering for /access/notifyList)."""
    import hashlib

    return "N" + at.strftime("%y%m%d%H%M%S%f")[:15] + hashlib.sha1(
        event_key.encode()).hexdigest()[:10].upper()
