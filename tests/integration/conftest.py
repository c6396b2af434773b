"""Integration fixtures: a moto server as DynamoDB, the channel simulator, and the Chalice app
through ``chalice.test.Client``. Channel notifications are delivered straight to the notify
handler (no HTTP server for the app here)."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import pytest
import requests

from tests.conftest import AWS_PORT, SIM_PORT

DEMO_ISV, DEMO_PARTNER, DEMO_KEY = "20000", "12345", "yt-test-key-0001"
ACCOUNTS = {"ali": "2088000000012345", "ten": "1900012345", "uni": "898000000012345"}


@pytest.fixture(scope="session")
def moto_server():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=AWS_PORT, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{AWS_PORT}"
    server.stop()


@pytest.fixture(scope="session")
def simulator(moto_server):
    from chalicelib.channels.simulator import ChannelSimulator
    from chalicelib.config import settings
    from chalicelib.handlers import channel_notify

    delivered: list[tuple[str, int, str]] = []

    def sink(url: str, body: bytes, headers: dict) -> None:
        channel = url.rstrip("/").rsplit("/", 1)[-1]
        status, text = channel_notify.handle(channel, body, headers)
        delivered.append((channel, status, text))

    sim = ChannelSimulator(settings().channel_notify_secrets, timeout_delay_s=1.6,
                           password_delay_s=0.3, refund_delay_s=0.3, sink=sink)
    sim.delivered = delivered
    sim.serve(port=SIM_PORT)
    yield sim
    sim.stop()


@pytest.fixture
def tables(moto_server, simulator):
    """Fresh tables and a fresh simulator for every test."""
    from chalicelib.clock import set_clock
    from chalicelib.store.tables import create_all

    requests.post(f"{moto_server}/moto-api/reset", timeout=10)
    simulator.control("reset", {})
    simulator.delivered.clear()
    create_all()
    yield
    simulator.drain()
    set_clock(None)


@pytest.fixture
def demo(tables):
    from chalicelib.domain.parties import Isv, Merchant
    from chalicelib.store.parties import put_isv, put_merchant

    put_merchant(Merchant(DEMO_PARTNER, "测试医院", True, channel_accounts=ACCOUNTS))
    put_isv(Isv(DEMO_ISV, "测试 ISV", DEMO_KEY, True, frozenset({DEMO_PARTNER})))
    return {"isvId": DEMO_ISV, "partnerId": DEMO_PARTNER, "key": DEMO_KEY}


class Api:
    """A signing ISV client over ``chalice.test.Client``."""

    def __init__(self, client, isv_id=DEMO_ISV, partner_id=DEMO_PARTNER, key=DEMO_KEY):
        self.client, self.isv_id, self.partner_id, self.key = client, isv_id, partner_id, key

    def raw(self, name: str, body: bytes | str, content_type="application/json; charset=UTF-8"):
        resp = self.client.http.post(f"/access/{name}", body=body,
                                     headers={"Content-Type": content_type})
        return resp

    def call(self, name: str, **fields) -> dict:
        from chalicelib.clock import now_ms
        from chalicelib.signing import dumps, parse_json, sign, verify

        body = {"isvId": self.isv_id, "partnerId": self.partner_id, "version": "1.0.0",
                "timestamp": now_ms(), **fields}
        body["sign"] = sign(body, self.key)
        resp = self.raw(name, dumps(body))
        assert resp.status_code == 200, resp.body
        env = parse_json(resp.body)
        if env["sign"]:
            assert verify(env, self.key), "response signature must verify"
        return env

    def ok(self, name: str, **fields) -> dict:
        env = self.call(name, **fields)
        assert env["kind"] == "0", env
        return env["data"]


@pytest.fixture
def api(demo):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as client:
        yield Api(client)


def expire_in(minutes: int = 30) -> str:
    from chalicelib.clock import now, to_wire

    return to_wire(now() + timedelta(minutes=minutes))


def eventually(check, timeout: float = 5.0):
    """Poll ``check`` until it returns a truthy value (asynchronous channel behaviour)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)
