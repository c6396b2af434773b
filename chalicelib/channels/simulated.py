"""Adapter for channels reached through the simulator's protocol (local stack and tests).

One instance per channel (``ali``, ``ten``, ``uni``): the simulator serves each channel under
its own path prefix with that channel's rules. Production adapters for the real Alipay, WeChat
Pay and UnionPay APIs implement the same ``ChannelGateway`` interface.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

import requests
from urllib3.exceptions import NewConnectionError

from ..clock import from_wire, to_wire
from .gateway import (
    BadNotice,
    ChannelDown,
    ChannelNotice,
    PayResult,
    PayState,
    RefundOutcome,
    RefundResult,
)

SIGNATURE_HEADER = "X-Channel-Signature"

_PAY_STATES = {
    "NOTPAY": PayState.WAITING, "USERPAYING": PayState.WAITING, "SUCCESS": PayState.SUCCESS,
    "PAYERROR": PayState.FAILED, "CLOSED": PayState.CLOSED, "REVOKED": PayState.CLOSED,
}
_REFUND_STATES = {
    "SUCCESS": RefundOutcome.SUCCESS, "PROCESSING": RefundOutcome.ACCEPTED,
    "FAIL": RefundOutcome.FAILED,
}


def notice_signature(secret: str, body: bytes) -> str:
    """How channel notifications are signed (HMAC-SHA256 of the raw body)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class SimulatedChannel:
    def __init__(self, channel: str, base_url: str, timeout_s: float, notify_secret: str,
                 notify_url: str):
        self.channel = channel
        self._base = base_url.rstrip("/") + "/" + channel
        self._timeout = timeout_s
        self._secret = notify_secret
        self._notify_url = notify_url
        self._http = requests.Session()

    # --- transport
    def _post(self, op: str, payload: dict) -> dict | None:
        """The channel's JSON answer, or None when the outcome is unknown (timeout, garbage)."""
        try:
            resp = self._http.post(f"{self._base}/{op}", json=payload, timeout=self._timeout)
        except requests.ConnectTimeout as exc:
            raise ChannelDown(f"{self.channel} unreachable") from exc
        except requests.ConnectionError as exc:
            # Refused before sending: nothing was done. Reset mid-way: the outcome is unknown.
            if isinstance(getattr(exc.args[0] if exc.args else None, "reason", None),
                          NewConnectionError):
                raise ChannelDown(f"{self.channel} unreachable") from exc
            return None
        except requests.RequestException:
            return None
        if resp.status_code >= 500:
            return None
        try:
            data = resp.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    @staticmethod
    def _pay_result(data: dict | None, pay_url: str | None = None) -> PayResult:
        if data is None:
            return PayResult(PayState.UNKNOWN)
        if data.get("code") == "NOT_FOUND":
            return PayResult(PayState.NOT_FOUND)
        state = _PAY_STATES.get(data.get("tradeState", ""), PayState.UNKNOWN)
        paid_at = data.get("paidAt")
        return PayResult(
            state=state, in_payment_no=data.get("transactionId"),
            paid_at=from_wire(paid_at) if paid_at else None,
            pay_url=pay_url or data.get("payUrl"), fee=data.get("totalFee"),
            message=data.get("message"))

    # --- payments
    def pay_scan(self, out_payment_no, account, fee, subject, expire_at: datetime) -> PayResult:
        data = self._post("precreate", {
            "outTradeNo": out_payment_no, "mchId": account, "totalFee": fee, "subject": subject,
            "expireAt": to_wire(expire_at), "notifyUrl": self._notify_url})
        if data is None or not data.get("payUrl"):
            return PayResult(PayState.UNKNOWN, message=(data or {}).get("message"))
        return PayResult(PayState.WAITING, pay_url=data["payUrl"])

    def pay_barcode(self, out_payment_no, account, fee, subject, auth_code) -> PayResult:
        return self._pay_result(self._post("micropay", {
            "outTradeNo": out_payment_no, "mchId": account, "totalFee": fee, "subject": subject,
            "authCode": auth_code, "notifyUrl": self._notify_url}))

    def query(self, out_payment_no) -> PayResult:
        return self._pay_result(self._post("query", {"outTradeNo": out_payment_no}))

    def close(self, out_payment_no) -> PayResult:
        return self._pay_result(self._post("close", {"outTradeNo": out_payment_no}))

    def reverse(self, out_payment_no) -> PayResult:
        return self._pay_result(self._post("reverse", {"outTradeNo": out_payment_no}))

    # --- refunds
    @staticmethod
    def _refund_result(data: dict | None) -> RefundResult:
        if data is None:
            return RefundResult(RefundOutcome.UNKNOWN)
        if data.get("code") == "NOT_FOUND":
            return RefundResult(RefundOutcome.NOT_FOUND, message=data.get("message"))
        state = _REFUND_STATES.get(data.get("refundStatus", ""), RefundOutcome.UNKNOWN)
        return RefundResult(state, data.get("refundId"), data.get("message"))

    def refund(self, out_payment_no, out_refund_no, refund_fee, total_fee) -> RefundResult:
        return self._refund_result(self._post("refund", {
            "outTradeNo": out_payment_no, "outRefundNo": out_refund_no, "refundFee": refund_fee,
            "totalFee": total_fee, "notifyUrl": self._notify_url}))

    def refund_query(self, out_refund_no) -> RefundResult:
        return self._refund_result(self._post("refundquery", {"outRefundNo": out_refund_no}))

    # --- callbacks
    def parse_notify(self, body: bytes, headers: dict[str, str]) -> ChannelNotice:
        given = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), "")
        if not hmac.compare_digest(notice_signature(self._secret, body), str(given)):
            raise BadNotice("bad signature")
        try:
            data = json.loads(body)
            kind = data["type"]
            notice = ChannelNotice(
                kind=kind, channel=self.channel, merchant_account=str(data["mchId"]),
                out_payment_no=str(data["outTradeNo"]), fee=int(data["totalFee"]
                                                                if kind == "pay" else
                                                                data["refundFee"]),
                state=(_PAY_STATES.get(data.get("tradeState", ""), PayState.UNKNOWN).value
                       if kind == "pay" else
                       _REFUND_STATES.get(data.get("refundStatus", ""),
                                          RefundOutcome.UNKNOWN).value),
                in_payment_no=data.get("transactionId"),
                paid_at=from_wire(data["paidAt"]) if data.get("paidAt") else None,
                out_refund_no=data.get("outRefundNo"), channel_refund_id=data.get("refundId"))
        except (ValueError, KeyError, TypeError) as exc:
            raise BadNotice("malformed notification") from exc
        if notice.kind not in ("pay", "refund") or isinstance(data.get("totalFee"), bool):
            raise BadNotice("malformed notification")
        return notice
