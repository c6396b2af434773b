"""Hospital simulator for the local stack and tests: the HIS real-time order query and the
business service that receives payment/refund notifications.

- ``POST /his/query``: by default the HIS holds no order (``{"exists": false}``);
  ``POST /his/orders {"partnerId", "paymentNo", "status", "fee"}`` records one;
  ``POST /his/down {"down": true}`` makes the HIS answer 503.
- ``POST /business/notify``: answers ``success`` and records the notification;
  ``POST /business/down {"down": true}`` makes it answer 503 (a business service that is down);
  ``GET /business/received`` lists what arrived.
"""
from __future__ import annotations

import json

from ..signing import dumps, sign
from . import http_server


class HisSimulator(http_server.Served):
    def __init__(self, key_for: dict[str, str] | None = None):
        self.orders: dict[tuple[str, str], dict] = {}
        self.down = False
        self.business_down = False
        self.received: list[dict] = []
        self.queries = 0
        self.key = "his-sim"            # answers are signed with the caller's ISV key if known
        self.keys = key_for or {}
        self._server = None
        self.base_url = ""

    def answer(self, p: dict) -> tuple[int, dict]:
        self.queries += 1
        if self.down:
            return 503, {"exists": False}
        order = self.orders.get((str(p.get("partnerId")), str(p.get("paymentNo"))))
        body = {"exists": bool(order), **(order or {})}
        key = self.keys.get(str(p.get("partnerId")))
        if key:
            body["sign"] = sign(body, key)
        return 200, body

    def _http(self, method: str, path: str, raw: bytes) -> tuple[int, str, bytes]:
        if method == "GET":
            return 200, "application/json", dumps({"received": self.received}).encode()
        try:
            p = json.loads(raw or b"{}")
        except ValueError:
            p = {}
        if path.startswith("/business/notify"):
            if self.business_down:
                return 503, "application/json", b'{"error":"down"}'
            self.received.append(p)
            return 200, "text/plain", b"success"
        if path.startswith("/business/down"):
            self.business_down = bool(p.get("down", True))
            status, body = 200, {"code": "OK"}
        elif path.startswith("/his/orders"):
            self.orders[(str(p.get("partnerId")), str(p.get("paymentNo")))] = {
                "status": p.get("status", "PAID"), "fee": p.get("fee")}
            status, body = 200, {"code": "OK"}
        elif path.startswith("/his/down"):
            self.down = bool(p.get("down", True))
            status, body = 200, {"code": "OK"}
        else:
            status, body = self.answer(p)
        return status, "application/json; charset=utf-8", dumps(body).encode()
