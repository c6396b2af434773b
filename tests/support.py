"""Helpers shared by the integration tests and the benchmarks."""
from __future__ import annotations

import time

from chalicelib.isv_client import IsvClient

DEMO_ISV, DEMO_PARTNER, DEMO_KEY = "20000", "12345", "yt-test-key-0001"
ACCOUNTS = {"ali": "2088000000012345", "ten": "1900012345", "uni": "898000000012345"}


class ChaliceIsvClient(IsvClient):
    """The ISV client over ``chalice.test.Client`` instead of HTTP (in-process app)."""

    def __init__(self, client, isv_id=DEMO_ISV, partner_id=DEMO_PARTNER, key=DEMO_KEY):
        super().__init__("", isv_id, partner_id, key)
        self.client = client

    def raw(self, name: str, body: bytes | str, content_type="application/json; charset=UTF-8"):
        return self.client.http.post(f"/access/{name}", body=body,
                                     headers={"Content-Type": content_type})

    def send(self, name: str, body: bytes) -> bytes:
        resp = self.raw(name, body)
        assert resp.status_code == 200, resp.body
        return resp.body


def eventually(check, timeout: float = 5.0, interval: float = 0.05):
    """Poll ``check`` until it returns a truthy value (asynchronous behaviour), or time runs out;
    returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
