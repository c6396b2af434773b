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
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..signing import dumps, sign


class HisSimulator:
    def __init__(self, key_for: dict[str, str] | None = None):
        self.orders: dict[tuple[str, str], dict] = {}
        self.down = False
        self.business_down = False
        self.received: list[dict] = []
        self.queries = 0
        self.key = "his-sim"            # answers are signed with the caller's ISV key if known
        self.keys = key_for or {}
        self._server: ThreadingHTTPServer | None = None
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

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> str:
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    p = json.loads(raw or b"{}")
                except ValueError:
                    p = {}
                if self.path.startswith("/business/notify"):
                    if sim.business_down:
                        status, body = 503, {"error": "down"}
                    else:
                        sim.received.append(p)
                        self._text(200, "success")
                        return
                elif self.path.startswith("/business/down"):
                    sim.business_down = bool(p.get("down", True))
                    status, body = 200, {"code": "OK"}
                elif self.path.startswith("/his/orders"):
                    sim.orders[(str(p.get("partnerId")), str(p.get("paymentNo")))] = {
                        "status": p.get("status", "PAID"), "fee": p.get("fee")}
                    status, body = 200, {"code": "OK"}
                elif self.path.startswith("/his/down"):
                    sim.down = bool(p.get("down", True))
                    status, body = 200, {"code": "OK"}
                else:
                    status, body = sim.answer(p)
                data = dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                self._text(200, dumps({"received": sim.received}))

            def _text(self, status: int, text: str) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://{host}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
