"""The local stack (SPEC §10): moto server as local AWS, tables/bucket/queue, demo data, the
channel simulator and ``chalice local`` — started together, stopped together with Ctrl-C.

    python -m infra.local_stack [--api-port 8000] [--sim-port 8001] [--aws-port 8002]
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_ISV, DEMO_PARTNER = "20000", "12345"
DEMO_ACCOUNTS = {"ali": "2088000000012345", "ten": "1900012345", "uni": "898000000012345"}


def _free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the API process exited with code {proc.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s")


def environment(args) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "UPP_STAGE": "local",
        "UPP_AWS_ENDPOINT": f"http://127.0.0.1:{args.aws_port}",
        "UPP_TABLE_PREFIX": "upp-local-",
        "UPP_BILLS_BUCKET": "upp-local-bills",
        "UPP_BILLS_QUEUE": "upp-local-bills",
        "UPP_CHANNEL_BASE_URL": f"http://127.0.0.1:{args.sim_port}",
        "UPP_PUBLIC_BASE_URL": f"http://127.0.0.1:{args.api_port}",
        "UPP_CHANNEL_TIMEOUT_S": str(args.channel_timeout),
        "UPP_NOTIFY_RETRY_SCALE": str(args.notify_retry_scale),
    }


def seed_demo(key: str, admin_password: str, hospital_url: str) -> None:
    from chalicelib.domain.parties import Isv, Merchant
    from chalicelib.passwords import hash_password
    from chalicelib.store.parties import put_isv, put_merchant, put_user

    put_merchant(Merchant(partner_id=DEMO_PARTNER, name="演示医院", enabled=True,
                          channel_accounts=DEMO_ACCOUNTS, auto_refund=True,
                          notify_url=f"{hospital_url}/business/notify",
                          his_query_url=f"{hospital_url}/his/query"))
    put_isv(Isv(isv_id=DEMO_ISV, name="演示 ISV", sign_key=key, enabled=True,
                partner_ids=frozenset({DEMO_PARTNER})))
    put_user("admin", hash_password(admin_password), role="admin", phone="13800000000")


class LocalStack:
    """Start and stop every piece; usable from tests as well as from ``make run``."""

    def __init__(self, args):
        self.args = args
        self.env = environment(args)
        self.moto = None
        self.simulator = None
        self.hospital = None
        self.scheduler = None
        self.api: subprocess.Popen | None = None
        self.demo: dict = {}

    def start(self) -> dict:
        for name, port in (("API", self.args.api_port), ("simulator", self.args.sim_port),
                           ("local AWS", self.args.aws_port), ("HIS", self.args.his_port)):
            if not _free(port):
                raise SystemExit(f"port {port} for the {name} is in use: is another "
                                 f"`make run` still running?")
        os.environ.update(self.env)
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)   # moto's per-request lines
        from moto.server import ThreadedMotoServer

        from infra import moto_faithful

        moto_faithful.install()

        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.args.aws_port,
                                       verbose=False)
        self.moto.start()

        import boto3

        from chalicelib import config
        from chalicelib.channels.simulator import ChannelSimulator
        from chalicelib.store.tables import create_all
        from infra.buckets import create_local

        cfg = config.reload()
        create_all()
        kw = dict(endpoint_url=cfg.aws_endpoint, region_name=cfg.region)
        create_local(boto3.client("s3", **kw), boto3.client("sqs", **kw), cfg.bills_bucket,
                     cfg.bills_queue)
        key = secrets.token_hex(16)
        admin_password = secrets.token_urlsafe(12)
        from chalicelib.channels.his_simulator import HisSimulator

        self.hospital = HisSimulator(key_for={DEMO_PARTNER: key})
        hospital_url = self.hospital.serve(port=self.args.his_port)
        seed_demo(key, admin_password, hospital_url)

        self.simulator = ChannelSimulator(cfg.channel_notify_secrets,
                                          timeout_delay_s=self.args.sim_timeout_delay)
        sim_url = self.simulator.serve(port=self.args.sim_port)

        base = f"http://127.0.0.1:{self.args.api_port}"
        self.api = subprocess.Popen(
            [sys.executable, "-c", "from chalice.cli import main; main()", "local", "--host", "127.0.0.1", "--port",
             str(self.args.api_port), "--stage", "local", "--no-autoreload"],
            cwd=ROOT, env={**os.environ, **self.env})
        _wait_http(f"{base}/health", self.api)

        import app as chalice_app
        from infra.scheduler import Scheduler

        period = self.args.job_period
        self.scheduler = Scheduler([
            ("sync-orders", chalice_app.sync_orders_job, period),
            ("poll-refunds", chalice_app.poll_refunds_job, period),
            ("dispatch-notifications", chalice_app.dispatch_notifications_job, period),
            ("auto-refund", chalice_app.auto_refund_job, period),
        ])
        self.scheduler.start()

        self.demo = {"baseUrl": base, "isvId": DEMO_ISV, "partnerId": DEMO_PARTNER, "key": key,
                     "simulatorUrl": sim_url, "adminUrl": f"{base}/admin",
                     "adminUser": "admin", "adminPassword": admin_password}
        state = Path(self.args.state_dir)
        state.mkdir(parents=True, exist_ok=True)
        (state / "demo.json").write_text(json.dumps(self.demo, ensure_ascii=False, indent=2))
        return self.demo

    def stop(self) -> None:
        if self.scheduler:
            self.scheduler.stop()
        if self.hospital:
            self.hospital.stop()
        if self.api and self.api.poll() is None:
            self.api.terminate()
            try:
                self.api.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.api.kill()
        if self.simulator:
            self.simulator.stop()
        if self.moto:
            self.moto.stop()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--api-port", type=int, default=int(os.environ.get("UPP_API_PORT", 8000)))
    p.add_argument("--sim-port", type=int, default=int(os.environ.get("UPP_SIM_PORT", 8001)))
    p.add_argument("--aws-port", type=int, default=int(os.environ.get("UPP_AWS_PORT", 8002)))
    p.add_argument("--his-port", type=int, default=int(os.environ.get("UPP_HIS_PORT", 8003)))
    p.add_argument("--job-period", type=float, default=5.0,
                   help="seconds between runs of each scheduled function")
    p.add_argument("--notify-retry-scale", type=float, default=1.0,
                   help="compress the ≈24 h notification retry schedule (e.g. 0.001) for demos")
    p.add_argument("--state-dir", default=str(ROOT / ".local"))
    p.add_argument("--channel-timeout", type=float, default=5.0,
                   help="seconds the platform waits for a channel answer")
    p.add_argument("--sim-timeout-delay", type=float, default=8.0,
                   help="seconds the simulator takes on a 'timeout' (…3333) answer")
    return p.parse_args(argv)


def main(argv=None) -> None:
    stack = LocalStack(parse_args(argv))
    stopping = threading.Event()

    def _terminate(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        demo = stack.start()
        print("UPP local stack is running:")
        print(f"  ISV API         {demo['baseUrl']}   (POST /access/<name>; OpenAPI at /openapi.json)")
        print(f"  operations API  {demo['baseUrl']}/admin/api  (login {demo['adminUser']} / "
              f"password in demo.json; one-time codes: GET {demo['baseUrl']}/admin/dev/inbox)")
        print(f"  channel sim     {demo['simulatorUrl']}")
        print(f"  hospital sim    {stack.hospital.base_url}  (HIS query + business service)")
        print(f"  jobs            sync-orders, poll-refunds, dispatch-notifications, "
              f"auto-refund every {stack.args.job_period:g} s")
        print(f"  local AWS       {stack.env['UPP_AWS_ENDPOINT']} (moto: DynamoDB, S3, SQS; "
              f"in memory)")
        print(f"  demo ISV {demo['isvId']} / merchant {demo['partnerId']}; credentials in "
              f"{Path(stack.args.state_dir) / 'demo.json'}")
        print("Press Ctrl-C to stop.", flush=True)
        while not stopping.is_set():
            if stack.api and stack.api.poll() is not None:
                print("chalice local exited; stopping.", file=sys.stderr)
                break
            stopping.wait(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
        print("UPP local stack stopped.", flush=True)


if __name__ == "__main__":
    main()
