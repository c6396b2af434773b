"""Start the real local stack (``python -m infra.local_stack``) once per module, on free ports."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chalicelib.isv_client import IsvClient
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


class RunningStack:
    def __init__(self, tmp: Path, ports: tuple[int, ...] | None = None,
                 extra: tuple[str, ...] = ()):
        self.ports = ports or (free_port(), free_port(), free_port(), free_port())
        self.extra = extra
        self.state = tmp
        self.proc: subprocess.Popen | None = None
        self.demo: dict = {}

    def start(self) -> "RunningStack":
        api, sim, aws, his = self.ports
        demo_file = self.state / "demo.json"
        demo_file.unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("UPP_")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "infra.local_stack", "--api-port", str(api), "--sim-port",
             str(sim), "--aws-port", str(aws), "--his-port", str(his),
             "--state-dir", str(self.state), "--job-period", "1",
             "--channel-timeout", "1", "--sim-timeout-delay", "1.6", *self.extra],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 90
        while not demo_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                out = self.proc.stdout.read() if self.proc.poll() is not None else ""
                self.stop()
                raise RuntimeError(f"local stack did not start:\n{out}")
            time.sleep(0.2)
        self.demo = json.loads(demo_file.read_text())
        return self

    def stop(self) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    @property
    def hospital_url(self) -> str:
        return f"http://127.0.0.1:{self.ports[3]}"

    def client(self) -> IsvClient:
        d = self.demo
        return IsvClient(d["baseUrl"], d["isvId"], d["partnerId"], d["key"])


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = RunningStack(tmp_path_factory.mktemp("local")).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def isv(stack) -> IsvClient:
    return stack.client()
