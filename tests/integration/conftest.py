"""Integration fixtures: a moto server as DynamoDB, the channel simulator, and the Chalice app
through ``chalice.test.Client``. Channel notifications are delivered straight to the notify
handler (no HTTP server for the app here)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
import requests

from tests.conftest import AWS_PORT, SIM_PORT
from tests.support import (  # noqa: F401 - eventually is re-exported for the tests
    ACCOUNTS,
    DEMO_ISV,
    DEMO_KEY,
    DEMO_PARTNER,
    ChaliceIsvClient,
    eventually,
)


@pytest.fixture(scope="session")
def moto_server():
    from moto.server import ThreadedMotoServer

    from infra import moto_faithful

    moto_faithful.install()   # DynamoDB's isolation, which moto lacks (see the module)
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


@pytest.fixture
def api(demo):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as client:
        yield ChaliceIsvClient(client)


def expire_in(minutes: int = 30) -> str:
    from chalicelib.clock import now, to_wire

    return to_wire(now() + timedelta(minutes=minutes))


class Clock:
    """A clock the test moves by hand (no sleeps): ``clock.advance(minutes=31)``."""

    def __init__(self):
        from chalicelib.clock import CST

        self.t = datetime.now(CST).replace(microsecond=0)

    def __call__(self):
        return self.t

    def advance(self, **kw):
        self.t += timedelta(**kw)
        return self.t


@pytest.fixture
def clock(tables):
    from chalicelib.clock import set_clock

    c = Clock()
    set_clock(c)
    yield c
    set_clock(None)


@pytest.fixture(scope="session")
def hospital_server(moto_server):
    from chalicelib.channels.his_simulator import HisSimulator

    sim = HisSimulator(key_for={DEMO_PARTNER: DEMO_KEY})
    sim.serve()
    yield sim
    sim.stop()


@pytest.fixture
def hospital(hospital_server, demo):
    """The demo merchant's business service and HIS, reset for each test."""
    from chalicelib.domain.parties import Merchant
    from chalicelib.store.parties import put_merchant

    hospital_server.orders.clear()
    hospital_server.received.clear()
    hospital_server.down = hospital_server.business_down = False
    hospital_server.queries = 0
    put_merchant(Merchant(DEMO_PARTNER, "测试医院", True, channel_accounts=ACCOUNTS,
                          notify_url=f"{hospital_server.base_url}/business/notify",
                          his_query_url=f"{hospital_server.base_url}/his/query"))
    return hospital_server
