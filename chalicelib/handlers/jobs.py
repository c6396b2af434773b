"""Scheduled functions (EventBridge in AWS, the scheduler loop in the local stack, called
directly by tests with an injected clock). Each finds its work through a sparse index, does a
bounded amount of it, and leaves every item in a state the next run can continue from."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

import requests

from ..channels.gateway import ChannelDown, PayState, RefundOutcome
from ..channels.registry import gateway
from ..domain.abnormal import (
    REASONS,
    AbnormalType,
    Handling,
    auto_refund_failed_reason,
)
from ..domain.notifications import delivered, next_attempt
from ..domain.orders import AttemptState, OrderState
from ..domain.refunds import QUERY_GIVE_UP, RefundState, next_poll
from ..config import settings
from ..errors import RiskHoldError, UppError
from ..his import HisUnavailable, query_his
from ..logs import log
from ..money import yuan_to_fen
from ..signing import dumps, sign
from ..store import abnormal as abnormal_store
from ..store import orders as order_store
from ..store import outbox
from ..store import refunds as refund_store
from ..store.parties import get_isv, get_merchant
from . import settlement
from .refund_service import RefundAsk, open_refund

_SYNC_BACKOFF = (5, 10, 20, 30, 60, 120, 300)


@dataclass
class JobReport:
    name: str
    seen: int = 0
    done: int = 0
    details: dict = field(default_factory=dict)

    def count(self, key: str) -> None:
        self.details[key] = self.details.get(key, 0) + 1


# ------------------------------------------------------------------ order sync & expiry
def sync_orders(now: datetime, limit: int = 500) -> JobReport:
    """Query waiting attempts at their channel with back-off; at expiry query once more, then
    close (barcode: reverse) at the channel and mark EXPIRED."""
    report = JobReport("sync_orders")
    for attempt in order_store.waiting(now, limit):
        report.seen += 1
        fresh = order_store.get_attempt(attempt.out_payment_no)
        order = order_store.get_order(attempt.partner_id, attempt.payment_no)
        if fresh is None or order is None or fresh.status is not AttemptState.WAIT_PAY:
            continue
        snap = settlement.sync_attempt(order, fresh, now)
        if snap.attempt.status is not AttemptState.WAIT_PAY:
            report.count("settled")
        elif now >= fresh.expire_at:
            _expire(snap.order, snap.attempt, now, report)
        else:
            delay = _SYNC_BACKOFF[min(fresh.sync_count, len(_SYNC_BACKOFF) - 1)]
            order_store.reschedule_sync(fresh, now, min(now + timedelta(seconds=delay),
                                                        fresh.expire_at))
            report.count("still_waiting")
        report.done += 1
    return report


def _expire(order, attempt, now: datetime, report: JobReport) -> None:
    gw = gateway(attempt.channel)
    try:
        result = gw.close(attempt.out_payment_no) if attempt.mode == "scan" else \
            gw.reverse(attempt.out_payment_no)
    except ChannelDown:
        report.count("channel_down")
        return      # stays waiting; the next run tries again
    if result.state is PayState.SUCCESS:
        settlement.apply_pay_result(order, attempt, result, now)
        report.count("paid_at_expiry")
        return
    if result.state is PayState.UNKNOWN:
        report.count("close_unknown")
        return
    is_current = order.current_attempt == attempt.out_payment_no
    order_store.end_attempt(attempt, AttemptState.EXPIRED,
                            end_order=is_current and order.status is OrderState.WAIT_PAY)
    log("order.expired", partnerId=order.partner_id, paymentNo=order.payment_no,
        outPaymentNo=attempt.out_payment_no)
    report.count("expired")


# ------------------------------------------------------------------ refund poller
def poll_refunds(now: datetime, limit: int = 500) -> JobReport:
    """Settle PROCESSING/ACCEPTED refunds by querying their channel (first ≥ 10 s after
    submission, then back-off); not final 2 days after submission → 退款查询失败."""
    report = JobReport("poll_refunds")
    for refund in refund_store.pending(now, limit):
        report.seen += 1
        current = refund_store.get_refund(refund.partner_id, refund.request_no)
        if current is None or current.status not in (RefundState.PROCESSING,
                                                      RefundState.ACCEPTED):
            continue
        try:
            result = gateway(current.channel).refund_query(current.out_refund_no)
        except ChannelDown:
            result = None
        if result is not None and result.state is RefundOutcome.NOT_FOUND \
                and current.status is RefundState.PROCESSING:
            # The channel never got it (e.g. it was down when we sent): resend, same outRefundNo.
            attempt = order_store.get_attempt(current.out_payment_no)
            current = settlement.send_refund(current, attempt.trade_fee if attempt else
                                             current.refund_fee, now)
            report.count("resubmitted")
        elif result is not None:
            current = settlement.settle_refund(current, result, now)
        if current.status in (RefundState.SUCCESS, RefundState.FAILED):
            report.count(current.status.value.lower())
        else:
            if now - current.created_at >= QUERY_GIVE_UP:
                if abnormal_store.raise_once(abnormal_store.new_item(
                        AbnormalType.REFUND_QUERY_FAILED, current.out_refund_no,
                        REASONS[AbnormalType.REFUND_QUERY_FAILED], current.partner_id,
                        current.refund_fee, now, payment_no=current.payment_no,
                        out_payment_no=current.out_payment_no,
                        out_refund_no=current.out_refund_no, request_no=current.request_no)):
                    report.count("query_failed_raised")
            refund_store.reschedule_poll(current, next_poll(current.poll_count, now))
            report.count("still_open")
        report.done += 1
    return report


# ------------------------------------------------------------------ notification dispatcher
Poster = Callable[[str, bytes], tuple[int, str]]


def _http_post(url: str, body: bytes) -> tuple[int, str]:
    resp = requests.post(url, data=body, timeout=5,
                         headers={"Content-Type": "application/json; charset=UTF-8"})
    return resp.status_code, resp.text[:200]


def dispatch_notifications(now: datetime, limit: int = 500,
                           post: Poster = _http_post) -> JobReport:
    """Send due notifications (signed with the ISV's key) and schedule retries: 15s, 15s, 30s,
    3m, 10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h; exhausted → 支付/退款通知失败."""
    report = JobReport("dispatch_notifications")
    merchants: dict = {}
    isvs: dict = {}
    for n in outbox.due(now, limit):
        report.seen += 1
        if not outbox.claim(n, now):
            continue            # another dispatcher has it, or it changed
        if n.partner_id not in merchants:          # one lookup per merchant and ISV per run
            merchants[n.partner_id] = get_merchant(n.partner_id)
        if n.isv_id not in isvs:
            isvs[n.isv_id] = get_isv(n.isv_id) if n.isv_id else None
        merchant, isv = merchants[n.partner_id], isvs[n.isv_id]
        url = n.url or (merchant.notify_url if merchant else None)
        status, error = None, ""
        if not url:
            error = "未配置通知地址"
        else:
            body = dict(n.payload)
            if isv is not None:
                body["sign"] = sign(body, isv.sign_key)
            try:
                status, text = post(url, dumps(body).encode())
                if delivered(status, text):
                    outbox.delivered(n, now, status)
                    report.count("delivered")
                    report.done += 1
                    continue
                error = f"HTTP {status}: {text[:80]}"
            except requests.RequestException as exc:
                error = type(exc).__name__
        failures = n.attempts + 1
        retry_at = next_attempt(failures, now, settings().notify_retry_scale)
        if retry_at is None:
            kind = outbox.notify_failed_type(n.kind)
            p = n.payload
            record = abnormal_store.new_item(
                kind, n.pk.split("#", 1)[1], REASONS[kind], n.partner_id,
                _fen(p.get("refundFee") or p.get("tradeFee")), now,
                payment_no=p.get("paymentNo"), out_payment_no=p.get("outPaymentNo"),
                out_refund_no=p.get("outRefundNo"), request_no=p.get("requestNo"))
            outbox.give_up(n, status, error, record)
            log("notify.gave_up", level=logging.WARNING, partnerId=n.partner_id,
                notifyId=n.notify_id)
            report.count("failed")
        else:
            outbox.retry_later(n, retry_at, status, error)
            report.count("retry")
        report.done += 1
    return report


def _fen(yuan: str | None) -> int:
    return yuan_to_fen(yuan) if yuan else 0


# ------------------------------------------------------------------ auto-refund
HisQuery = Callable[..., object]


def auto_refund(now: datetime, limit: int = 100, his: HisQuery = query_his) -> JobReport:
    """Refund abnormal payments in full through the normal refund path, for merchants with
    auto-refund on; after close/expiry only when the HIS says it holds no paid order."""
    report = JobReport("auto_refund")
    for ab in abnormal_store.auto_refund_due(limit):
        report.seen += 1
        merchant = get_merchant(ab.partner_id)
        if merchant is None or not merchant.auto_refund:
            abnormal_store.set_auto_refund(ab.pk, None, done=True)   # for an operator
            report.count("left_for_operator")
            continue
        attempt = order_store.get_attempt(ab.out_payment_no or "")
        if attempt is None or attempt.abnormal is None:
            abnormal_store.set_auto_refund(ab.pk, None, done=True)
            continue
        if ab.kind is not AbnormalType.DUPLICATE_PAYMENT:
            order = order_store.get_order(ab.partner_id, ab.payment_no or "")
            isv = get_isv(order.isv_id) if order and order.isv_id else None
            try:
                if not merchant.his_query_url or isv is None:
                    raise HisUnavailable("未配置 HIS 实时查询")
                his_order = his(merchant.his_query_url, isv.sign_key, ab.partner_id,
                                ab.payment_no or "", ab.out_payment_no or "")
            except HisUnavailable as exc:
                _auto_refund_failed(ab, f"HIS 查询失败: {exc}", now)
                report.count("his_unavailable")
                continue
            if his_order.holds_paid_order:
                _auto_refund_failed(ab, "HIS 存在已支付订单", now)
                report.count("his_holds_paid_order")
                continue
        request_no = f"AUTO{ab.out_payment_no}"[:32]
        ask = RefundAsk(request_no=request_no, refund_fee=attempt.trade_fee,
                        refund_no=request_no, payment_no=attempt.payment_no, target="attempt",
                        out_payment_no=attempt.out_payment_no, origin="auto")
        abnormal_store.set_auto_refund(ab.pk, request_no, done=False)
        try:
            refund = open_refund(merchant, ask, now)
        except RiskHoldError:
            abnormal_store.set_auto_refund(ab.pk, request_no, done=True)   # 退款失败 raised
            report.count("risk_hold")
            continue
        except UppError as exc:
            _auto_refund_failed(ab, exc.msg, now)
            report.count("refused")
            continue
        if refund.status is RefundState.FAILED:
            _auto_refund_failed(ab, refund.failed_reason or "渠道退款失败", now)
            report.count("refund_failed")
            continue
        abnormal_store.handle(ab.pk, Handling.REFUND, "system",
                              f"自动退款 {refund.out_refund_no}", now)
        report.count("refunded")
        report.done += 1
    return report


def _auto_refund_failed(ab, detail: str, now: datetime) -> None:
    """Raise 退款失败 with the seed's reason text, and stop retrying automatically."""
    abnormal_store.raise_once(abnormal_store.new_item(
        AbnormalType.REFUND_FAILED, f"AUTO-{ab.out_payment_no}",
        auto_refund_failed_reason(ab.kind), ab.partner_id, ab.amount, now,
        payment_no=ab.payment_no, out_payment_no=ab.out_payment_no))
    abnormal_store.set_auto_refund(ab.pk, None, done=True)
    log("auto_refund.failed", partnerId=ab.partner_id, outPaymentNo=ab.out_payment_no,
        detail=detail)

