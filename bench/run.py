"""`make bench`: every benchmark, each printing ratios measured in this same run.

    python -m bench.run [api] [jobs]     # both by default (the jobs part takes ~15 min on moto)
"""
from __future__ import annotations

import logging

from bench.harness import DynamoCounter, configure

configure()


def main(parts: tuple[str, ...] = ("api", "jobs")) -> None:
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from chalicelib.channels.simulator import ChannelSimulator
    from chalicelib.config import settings
    from chalicelib.handlers import channel_notify
    from chalicelib.store.tables import create_all
    from bench import api_requests
    from infra import moto_faithful
    from tests.support import ACCOUNTS, ChaliceIsvClient
    from chalicelib.domain.parties import Isv, Merchant
    from chalicelib.store.parties import put_isv, put_merchant

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("upp").setLevel(logging.WARNING)
    cfg = settings()
    moto_faithful.install()
    moto = mock_aws()
    moto.start()
    sim = ChannelSimulator(cfg.channel_notify_secrets,
                           sink=lambda url, body, headers: channel_notify.handle(
                               url.rsplit("/", 1)[-1], body, headers))
    sim.serve(port=int(cfg.channel_base_url.rsplit(":", 1)[1]))
    try:
        create_all()
        put_merchant(Merchant("12345", "基准医院", True, channel_accounts=ACCOUNTS))
        put_isv(Isv("20000", "基准 ISV", "bench-key", True, frozenset({"12345"})))
        counter = DynamoCounter()
        counter.install()
        with Client(app, stage_name="local") as client:
            api = ChaliceIsvClient(client, key="bench-key")
            if "api" in parts:
                for line in api_requests.run(api, counter):
                    print(line, flush=True)
                print(flush=True)
        if "jobs" in parts:
            from bench import jobs_throughput

            for line in jobs_throughput.run(counter):
                print(line, flush=True)
    finally:
        sim.drain()
        sim.stop()
        moto.stop()


if __name__ == "__main__":
    import sys

    main(tuple(sys.argv[1:]) or ("api", "jobs"))
