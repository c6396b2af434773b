"""Platform serials: outPaymentNo (YT…) and outRefundNo (YTR…), both ≤ 32 characters."""
from __future__ import annotations

import secrets
from datetime import datetime

from ..clock import CST


def _serial(prefix: str, at: datetime) -> str:
    # prefix + yyMMddHHmmss + 16 random digits: sortable by time, unguessable, unique.
    return prefix + at.astimezone(CST).strftime("%y%m%d%H%M%S") + f"{secrets.randbelow(10**16):016d}"


def new_out_payment_no(at: datetime) -> str:
    return _serial("YT", at)


def new_out_refund_no(at: datetime) -> str:
    return _serial("YTR", at)
