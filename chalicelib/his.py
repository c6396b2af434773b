"""HIS real-time order query (SPEC §5): does the hospital hold a paid order for this payment?

A signed POST (ISV signing rules, the order's ISV key) of ``{partnerId, paymentNo, outPaymentNo,
timestamp}`` to the merchant's ``hisQueryUrl``; the answer is ``{exists, status, fee}``. Short
timeout, a few retries; no answer is an error the caller must treat as "unknown".
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import requests

from .clock import now_ms
from .money import yuan_to_fen
from .signing import dumps, parse_json, sign, verify


class HisUnavailable(Exception):
    pass


@dataclass(frozen=True)
class HisOrder:
    exists: bool
    status: str | None = None      # e.g. PAID, UNPAID, REFUNDED
    fee: int | None = None         # fen

    @property
    def holds_paid_order(self) -> bool:
        return self.exists and (self.status or "").upper() == "PAID"


def query_his(url: str, key: str, partner_id: str, payment_no: str, out_payment_no: str,
              timeout_s: float = 3.0, attempts: int = 3) -> HisOrder:
    body = {"partnerId": partner_id, "paymentNo": payment_no, "outPaymentNo": out_payment_no,
            "timestamp": now_ms()}
    body["sign"] = sign(body, key)
    last: Exception | None = None
    for i in range(attempts):
        try:
            resp = requests.post(url, data=dumps(body).encode(), timeout=timeout_s,
                                 headers={"Content-Type": "application/json; charset=UTF-8"})
            if resp.status_code == 200:
                answer = parse_json(resp.content)
                if isinstance(answer, dict) and (not answer.get("sign") or verify(answer, key)):
                    fee = answer.get("fee")
                    return HisOrder(bool(answer.get("exists")), answer.get("status"),
                                    yuan_to_fen(str(fee)) if fee not in (None, "") else None)
                last = HisUnavailable("HIS answer not signed correctly")
            else:
                last = HisUnavailable(f"HIS answered HTTP {resp.status_code}")
        except (requests.RequestException, ValueError) as exc:
            last = exc
        time.sleep(0.2 * (i + 1))
    raise HisUnavailable(str(last))
