"""A small ISV client: signs requests, sends them, verifies the response signature.

Used by the CLI, the end-to-end tests and the benchmarks — written from SPEC §2 only.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from .clock import now_ms
from .signing import dumps, parse_json, sign, verify


class BadResponseSignature(Exception):
    pass


class IsvClient:
    def __init__(self, base_url: str, isv_id: str, partner_id: str, key: str,
                 timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.isv_id, self.partner_id, self.key = isv_id, partner_id, key
        self.timeout = timeout
        self.http = requests.Session()

    @classmethod
    def from_demo(cls, path: str | Path = ".local/demo.json") -> "IsvClient":
        demo = json.loads(Path(path).read_text())
        return cls(demo["baseUrl"], demo["isvId"], demo["partnerId"], demo["key"])

    def signed(self, fields: dict[str, Any]) -> dict[str, Any]:
        body = {"isvId": self.isv_id, "partnerId": self.partner_id, "version": "1.0.0",
                "timestamp": now_ms(), **fields}
        body["sign"] = sign(body, self.key)
        return body

    def post_raw(self, name: str, body: bytes | str) -> requests.Response:
        data = body.encode() if isinstance(body, str) else body
        return self.http.post(f"{self.base_url}/access/{name}", data=data, timeout=self.timeout,
                              headers={"Content-Type": "application/json; charset=UTF-8"})

    def send(self, name: str, body: bytes) -> bytes:
        """Transport: POST the body, return the answer's bytes (override for other transports)."""
        resp = self.post_raw(name, body)
        resp.raise_for_status()
        return resp.content

    def call(self, name: str, **fields: Any) -> dict[str, Any]:
        """Sign, send, check the answer's signature; returns the parsed envelope."""
        envelope = parse_json(self.send(name, dumps(self.signed(fields)).encode()))
        if envelope.get("sign") and not verify(envelope, self.key):
            raise BadResponseSignature(dumps(envelope))
        return envelope

    def ok(self, name: str, **fields: Any) -> dict[str, Any]:
        """``call`` that expects success and returns ``data``."""
        envelope = self.call(name, **fields)
        if envelope.get("kind") != "0":
            raise AssertionError(f"{name} failed: {envelope.get('kind')} {envelope.get('msg')}")
        return envelope["data"]
