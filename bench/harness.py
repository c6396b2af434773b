"""Shared benchmark harness: an in-process moto server, the channel simulator, the app through
``chalice.test.Client``, and a counter of every DynamoDB request made (by operation)."""
from __future__ import annotations

import os
import socket
import statistics
import threading
import time
from collections import Counter
from contextlib import contextmanager


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def configure() -> None:
    """Environment for a private platform in this process (call before importing chalicelib).
    DynamoDB is moto in-process (``mock_aws``): no HTTP hop, so the figures are the platform's
    requests, not a local server's HTTP overhead."""
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1", "UPP_STAGE": "bench",
        "UPP_TABLE_PREFIX": "upp-bench-",
        "UPP_CHANNEL_BASE_URL": f"http://127.0.0.1:{_free_port()}",
        "UPP_PUBLIC_BASE_URL": "http://127.0.0.1:9", "UPP_CHANNEL_TIMEOUT_S": "5",
    })


class DynamoCounter:
    """Counts DynamoDB API calls by wrapping botocore's one entry point for every request.

    Only the measuring thread's calls count: channel notifications processed meanwhile on other
    threads are not part of the ISV call being measured."""

    def __init__(self):
        self.ops: Counter = Counter()
        self.thread: int | None = None

    def install(self) -> None:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        counter = self

        def counted(client, operation_name, api_params):
            if (client.meta.service_model.service_name == "dynamodb"
                    and threading.get_ident() == counter.thread):
                counter.ops[operation_name] += 1
            return original(client, operation_name, api_params)

        BaseClient._make_api_call = counted

    @contextmanager
    def measure(self):
        self.thread = threading.get_ident()
        before = Counter(self.ops)
        box: dict = {}
        yield box
        box["ops"] = self.ops - before
        box["total"] = sum(box["ops"].values())


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result
