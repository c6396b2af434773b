"""The local stack's EventBridge: calls the app's scheduled functions with the event AWS sends.

``chalice local`` serves HTTP only; this loop gives the local stack its schedules. The period of
each job is shortened (seconds, not minutes) so a demo moves at a human pace.
"""
from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, timezone


def scheduled_event(rule: str) -> dict:
    """The shape of an EventBridge "Scheduled Event"."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "000000000000",
        "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1", "resources": [f"arn:aws:events:us-east-1:000000000000:rule/{rule}"],
        "detail": {},
    }


class Scheduler:
    def __init__(self, jobs: list[tuple[str, object, float]]):
        self.jobs = jobs          # (name, chalice handler, period seconds)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for name, handler, period in self.jobs:
            t = threading.Thread(target=self._loop, args=(name, handler, period), daemon=True)
            t.start()
            self._threads.append(t)

    def _loop(self, name: str, handler, period: float) -> None:
        log = logging.getLogger("upp")
        while not self._stop.wait(period):
            try:
                result = handler(scheduled_event(name), None)
                if result:
                    log.info('{"event": "job.ran", "job": "%s", "result": "%s"}', name, result)
            except Exception:   # noqa: BLE001 - a failing run must not stop the schedule
                log.exception("job %s failed", name)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=10)
