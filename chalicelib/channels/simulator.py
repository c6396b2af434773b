"""Channel simulator for Alipay (ali), WeChat Pay (ten) and UnionPay (uni): local stack and tests.

Conventions (SPEC §9), which tests rely on:
- ``payUrl`` is ``{base}/pay/{channel}/{outTradeNo}``; ``POST payUrl {"action":"pay"}`` makes the
  simulated patient pay (``"ignoreClose": true`` pays even a closed trade, to simulate a payment
  racing a close).
- Barcode auth codes ending ``0000`` succeed at once, ``1111`` wait for the password and succeed
  within 5 s, ``2222`` fail, ``3333`` time out (the answer comes after the platform gave up, and the
  payment does go through then).
- Refunds behave per ``POST /sim/mode {"refund": instant|delayed|failed|timeout|timeout_once,
  "outTradeNo"?}`` (default instant): delayed = accepted now, succeeds ``refund_delay_s`` later;
  timeout = done at the channel but every answer comes too late and no notification is sent;
  timeout_once = like timeout for the first call only (the retry gets the answer).
- Every final payment or refund result is notified, signed, to the ``notifyUrl`` of the request;
  ``POST /sim/renotify {"outTradeNo"}`` sends the payment notification again (duplicate).
- ``POST /sim/notifications {"deliver": false}`` loses every notification from then on.
- ``GET /sim/calls`` counts requests per operation and key (tests assert "one channel call").

It is not a mock of the platform's expectations: it keeps each trade's state and money, refuses
to over-refund, and answers idempotently by outTradeNo / outRefundNo like the real channels.
"""
from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import requests

from ..clock import now, to_wire
from . import http_server
from .simulated import SIGNATURE_HEADER, notice_signature

Sink = Callable[[str, bytes, dict], None]


@dataclass
class Trade:
    channel: str
    out_trade_no: str
    mch_id: str
    total_fee: int
    subject: str
    notify_url: str | None
    state: str = "NOTPAY"
    transaction_id: str | None = None
    paid_at: str | None = None
    refunds: dict = field(default_factory=dict)     # outRefundNo -> Refund


@dataclass
class SimRefund:
    out_refund_no: str
    refund_fee: int
    status: str
    refund_id: str
    message: str | None = None


class ChannelSimulator(http_server.Served):
    def __init__(self, secrets_by_channel: dict[str, str], timeout_delay_s: float = 8.0,
                 password_delay_s: float = 2.0, refund_delay_s: float = 2.0,
                 sink: Sink | None = None):
        self.secrets = secrets_by_channel
        self.timeout_delay_s = timeout_delay_s
        self.password_delay_s = password_delay_s
        self.refund_delay_s = refund_delay_s
        self.trades: dict[str, Trade] = {}
        self.refund_modes: dict[str, str] = {}        # outTradeNo or "*" -> mode
        self.calls: Counter = Counter()
        self.lock = threading.RLock()
        self._sink = sink or self._post_notice
        # False simulates notifications lost on the way (the platform must query to find out).
        self.deliver_notifications = True
        self._pending: list[threading.Thread] = []      # notifications and timers in flight
        self._server = None
        self.base_url = ""

    # ------------------------------------------------------------------ notifications
    def _post_notice(self, url: str, body: bytes, headers: dict) -> None:
        for attempt in range(3):   # channels retry their notifications too
            try:
                resp = requests.post(url, data=body, headers=headers, timeout=5)
                if resp.status_code == 200 and resp.text.strip().upper() in ("SUCCESS",
                                                                            '{"CODE":"SUCCESS"}'):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5 * (attempt + 1))

    def _notify(self, trade: Trade, payload: dict) -> None:
        if not trade.notify_url or not self.deliver_notifications:
            return
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json",
                   SIGNATURE_HEADER: notice_signature(self.secrets[trade.channel], body)}
        thread = threading.Thread(target=self._sink, args=(trade.notify_url, body, headers),
                                  daemon=True)
        self._track(thread)

    def _pay_notice(self, trade: Trade) -> dict:
        return {"type": "pay", "mchId": trade.mch_id, "outTradeNo": trade.out_trade_no,
                "transactionId": trade.transaction_id, "totalFee": trade.total_fee,
                "tradeState": trade.state, "paidAt": trade.paid_at,
                "nonce": secrets.token_hex(8)}

    def _refund_notice(self, trade: Trade, refund: SimRefund) -> dict:
        return {"type": "refund", "mchId": trade.mch_id, "outTradeNo": trade.out_trade_no,
                "outRefundNo": refund.out_refund_no, "refundId": refund.refund_id,
                "refundFee": refund.refund_fee, "refundStatus": refund.status,
                "nonce": secrets.token_hex(8)}

    # ------------------------------------------------------------------ state changes
    def _succeed(self, trade: Trade) -> None:
        with self.lock:
            if trade.state == "SUCCESS":
                return
            trade.state = "SUCCESS"
            trade.transaction_id = trade.transaction_id or f"{trade.channel.upper()}{secrets.token_hex(10)}"
            trade.paid_at = to_wire(now())
        self._notify(trade, self._pay_notice(trade))

    def _later(self, delay: float, fn: Callable, *args) -> None:
        timer = threading.Timer(delay, fn, args)
        timer.daemon = True
        self._track(timer)

    def _track(self, thread: threading.Thread) -> None:
        with self.lock:
            self._pending = [t for t in self._pending if t.is_alive()]
            self._pending.append(thread)
        thread.start()

    def drain(self, timeout: float = 10.0) -> None:
        """Cancel timers not yet fired and wait for notifications in flight (test teardown)."""
        with self.lock:
            pending = list(self._pending)
        for t in pending:
            if isinstance(t, threading.Timer):
                t.cancel()
        for t in pending:
            t.join(timeout)

    @staticmethod
    def _trade_answer(trade: Trade) -> dict:
        return {"code": "OK", "tradeState": trade.state, "transactionId": trade.transaction_id,
                "totalFee": trade.total_fee, "paidAt": trade.paid_at}

    # ------------------------------------------------------------------ channel operations
    def precreate(self, channel: str, p: dict) -> dict:
        with self.lock:
            trade = self.trades.get(p["outTradeNo"])
            if trade is None:
                trade = Trade(channel, p["outTradeNo"], str(p["mchId"]), int(p["totalFee"]),
                              p.get("subject", ""), p.get("notifyUrl"))
                self.trades[trade.out_trade_no] = trade
        return {"code": "OK", "payUrl": f"{self.base_url}/pay/{channel}/{trade.out_trade_no}"}

    def micropay(self, channel: str, p: dict) -> dict:
        code = str(p.get("authCode", ""))
        with self.lock:
            trade = self.trades.get(p["outTradeNo"])
            if trade is not None:
                return self._trade_answer(trade)
            trade = Trade(channel, p["outTradeNo"], str(p["mchId"]), int(p["totalFee"]),
                          p.get("subject", ""), p.get("notifyUrl"))
            self.trades[trade.out_trade_no] = trade
        if code.endswith("2222"):
            trade.state = "PAYERROR"
            return {**self._trade_answer(trade), "message": "付款码无效或余额不足"}
        if code.endswith("1111"):
            trade.state = "USERPAYING"
            self._later(self.password_delay_s, self._succeed, trade)
            return self._trade_answer(trade)
        if code.endswith("3333"):
            trade.state = "USERPAYING"
            time.sleep(self.timeout_delay_s)       # the platform has given up by now...
            self._succeed(trade)                   # ...and the money did move
            return self._trade_answer(trade)
        self._succeed(trade)
        return self._trade_answer(trade)

    def query(self, channel: str, p: dict) -> dict:
        trade = self.trades.get(p["outTradeNo"])
        return self._trade_answer(trade) if trade else {"code": "NOT_FOUND"}

    def close(self, channel: str, p: dict) -> dict:
        with self.lock:
            trade = self.trades.get(p["outTradeNo"])
            if trade is None:
                return {"code": "OK", "tradeState": "CLOSED"}
            if trade.state in ("NOTPAY", "USERPAYING", "PAYERROR"):
                trade.state = "CLOSED"
            return self._trade_answer(trade)

    def reverse(self, channel: str, p: dict) -> dict:
        with self.lock:
            trade = self.trades.get(p["outTradeNo"])
            if trade is not None and trade.state in ("NOTPAY", "USERPAYING", "PAYERROR"):
                trade.state = "REVOKED"
            return self._trade_answer(trade) if trade else {"code": "OK", "tradeState": "REVOKED"}

    def patient_pays(self, channel: str, out_trade_no: str, p: dict) -> dict:
        trade = self.trades.get(out_trade_no)
        if trade is None or trade.channel != channel:
            return {"code": "NOT_FOUND"}
        if trade.state == "CLOSED" and not p.get("ignoreClose"):
            return {"code": "CLOSED", "message": "订单已关闭"}
        if trade.state in ("NOTPAY", "USERPAYING", "CLOSED"):
            self._succeed(trade)
        return self._trade_answer(trade)

    def _refund_mode(self, out_trade_no: str) -> str:
        return self.refund_modes.get(out_trade_no) or self.refund_modes.get("*") or "instant"

    def refund(self, channel: str, p: dict) -> dict:
        out_refund_no = p["outRefundNo"]
        with self.lock:
            trade = self.trades.get(p["outTradeNo"])
            if trade is None or trade.state != "SUCCESS":
                return {"code": "OK", "refundStatus": "FAIL", "refundId": None,
                        "message": "交易不存在或未支付"}
            existing = trade.refunds.get(out_refund_no)
            mode = self._refund_mode(trade.out_trade_no)
            if existing is None:
                fee = int(p["refundFee"])
                used = sum(r.refund_fee for r in trade.refunds.values() if r.status != "FAIL")
                refund = SimRefund(out_refund_no, fee, "SUCCESS", f"R{secrets.token_hex(10)}")
                if used + fee > trade.total_fee:
                    refund.status, refund.message = "FAIL", "退款金额超过可退金额"
                elif mode == "failed":
                    refund.status, refund.message = "FAIL", "商户账户余额不足"
                elif mode == "delayed":
                    refund.status = "PROCESSING"
                trade.refunds[out_refund_no] = refund
                first_call = True
            else:
                refund, first_call = existing, False
        timing_out = mode == "timeout" or (mode == "timeout_once" and first_call)
        if refund.status == "PROCESSING" and first_call:
            self._later(self.refund_delay_s, self._finish_refund, trade, refund)
        elif first_call and mode not in ("timeout", "timeout_once"):
            # A timed-out refund's notification is lost too: only a query or retry tells.
            self._notify(trade, self._refund_notice(trade, refund))
        if timing_out:
            time.sleep(self.timeout_delay_s)
        return {"code": "OK", "refundStatus": refund.status, "refundId": refund.refund_id,
                "message": refund.message}

    def _finish_refund(self, trade: Trade, refund: SimRefund) -> None:
        with self.lock:
            refund.status = "SUCCESS"
        self._notify(trade, self._refund_notice(trade, refund))

    def refundquery(self, channel: str, p: dict) -> dict:
        with self.lock:
            for trade in self.trades.values():
                refund = trade.refunds.get(p["outRefundNo"])
                if refund is not None:
                    return {"code": "OK", "refundStatus": refund.status,
                            "refundId": refund.refund_id, "message": refund.message}
        return {"code": "NOT_FOUND"}

    # ------------------------------------------------------------------ control
    def control(self, op: str, p: dict) -> dict:
        if op == "mode":
            self.refund_modes[p.get("outTradeNo") or "*"] = p.get("refund", "instant")
            return {"code": "OK"}
        if op == "notifications":
            self.deliver_notifications = bool(p.get("deliver", True))
            return {"code": "OK"}
        if op == "renotify":
            trade = self.trades.get(p.get("outTradeNo", ""))
            if trade is None:
                return {"code": "NOT_FOUND"}
            self._notify(trade, self._pay_notice(trade))
            return {"code": "OK"}
        if op == "reset":
            self.drain()
            with self.lock:
                self.trades.clear()
                self.refund_modes.clear()
                self.calls.clear()
                self.deliver_notifications = True
            return {"code": "OK"}
        return {"code": "UNKNOWN_OP"}

    # ------------------------------------------------------------------ HTTP
    OPS = ("precreate", "micropay", "query", "close", "reverse", "refund", "refundquery")

    def dispatch(self, method: str, path: str, payload: dict) -> tuple[int, dict]:
        parts = [x for x in path.split("?")[0].split("/") if x]
        if method == "GET" and parts == ["sim", "calls"]:
            return 200, {"|".join(k): v for k, v in self.calls.items()}
        if method == "GET" and len(parts) == 3 and parts[0] == "pay":
            trade = self.trades.get(parts[2])
            return (200, self._trade_answer(trade)) if trade else (404, {"code": "NOT_FOUND"})
        if method != "POST":
            return 405, {"code": "METHOD"}
        if len(parts) == 2 and parts[0] == "sim":
            return 200, self.control(parts[1], payload)
        if len(parts) == 3 and parts[0] == "pay" and parts[1] in self.secrets:
            if payload.get("action") != "pay":
                return 400, {"code": "BAD_ACTION"}
            return 200, self.patient_pays(parts[1], parts[2], payload)
        if len(parts) == 2 and parts[0] in self.secrets and parts[1] in self.OPS:
            key = payload.get("outRefundNo") or payload.get("outTradeNo") or ""
            with self.lock:
                self.calls[(parts[0], parts[1], str(key))] += 1
            try:
                return 200, getattr(self, parts[1])(parts[0], payload)
            except (KeyError, ValueError, TypeError) as exc:
                return 400, {"code": "BAD_REQUEST", "message": str(exc)}
        return 404, {"code": "NOT_FOUND"}

    def _http(self, method: str, path: str, raw: bytes) -> tuple[int, str, bytes]:
        try:
            payload = json.loads(raw) if raw else {}
            if not isinstance(payload, dict):
                raise ValueError
        except ValueError:
            status, answer = 400, {"code": "BAD_JSON"}
        else:
            status, answer = self.dispatch(method, path, payload)
        return status, "application/json; charset=utf-8", json.dumps(
            answer, ensure_ascii=False).encode()
