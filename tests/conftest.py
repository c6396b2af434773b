"""Test environment: set before anything imports chalicelib (table names and endpoints are read
when the PynamoDB models are defined)."""
from __future__ import annotations

import os
import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


AWS_PORT = free_port()
SIM_PORT = free_port()

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "UPP_STAGE": "test",
    "UPP_AWS_ENDPOINT": f"http://127.0.0.1:{AWS_PORT}",
    "UPP_TABLE_PREFIX": "upp-test-",
    "UPP_CHANNEL_BASE_URL": f"http://127.0.0.1:{SIM_PORT}",
    "UPP_PUBLIC_BASE_URL": "http://127.0.0.1:9",   # notifications are delivered in-process
    "UPP_CHANNEL_TIMEOUT_S": "1",
})
