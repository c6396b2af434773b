"""Command line for ISV developers and operators of the local stack.

    python -m chalicelib.cli call scancode paymentNo=HIS1 channelProduct=ali_scan_code \\
        tradeFee=0.01 subject=门诊缴费            # expireTime defaults to 30 minutes from now
    python -m chalicelib.cli sign '{"isvId":20000,...}' --key KEY   # print the signature
    python -m chalicelib.cli pay <payUrl>        # the simulated patient pays a QR code

Credentials come from .local/demo.json (written by ``make run``) unless given as options.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta

import requests

from .clock import now, to_wire
from .isv_client import IsvClient
from .signing import canonical, parse_json, sign

_NEEDS_EXPIRY = {"scancode", "barcode"}


def _fields(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"expected key=value, got {pair!r}")
        out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m chalicelib.cli", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--demo", default=".local/demo.json", help="credentials file")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("call", help="sign and send an ISV API call, verify the answer")
    c.add_argument("endpoint")
    c.add_argument("fields", nargs="*", help="key=value request fields")
    s = sub.add_parser("sign", help="print canonical string and sign of a JSON request")
    s.add_argument("json")
    s.add_argument("--key", help="signing key (default: the demo ISV's)")
    y = sub.add_parser("pay", help="pay a scan-code payUrl as the simulated patient")
    y.add_argument("pay_url")
    args = p.parse_args(argv)

    if args.cmd == "call":
        client = IsvClient.from_demo(args.demo)
        fields = _fields(args.fields)
        if args.endpoint in _NEEDS_EXPIRY:
            fields.setdefault("expireTime", to_wire(now() + timedelta(minutes=30)))
        print(json.dumps(client.call(args.endpoint, **fields), ensure_ascii=False, indent=2))
    elif args.cmd == "sign":
        key = args.key or json.load(open(args.demo))["key"]
        obj = parse_json(args.json)
        print(canonical(obj))
        print(sign(obj, key))
    else:
        resp = requests.post(args.pay_url, json={"action": "pay"}, timeout=10)
        print(resp.text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
