"""Applying what a channel says about a payment or a refund to the platform's records.

Shared by the ISV endpoints (barcode, query, close, refund), the channel callbacks and the
scheduled jobs, so every path moves money state the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ..channels.gateway import (
    ChannelDown,
    PayResult,
    PayState,
    RefundOutcome,
    RefundResult,
)
from ..channels.registry import gateway
from .. import clock
from ..domain.abnormal import REASONS, AbnormalType
from ..domain.orders import (
    Attempt,
    AttemptState,
    Order,
    OrderState,
    PaymentOutcome,
    classify_payment,
)
from ..domain.refunds import Refund, RefundState
from ..logs import log
from ..store import abnormal as abnormal_store
from ..store import orders as order_store
from ..store import outbox
from ..store import refunds as refund_store
from .wire import query_data, refund_data


@dataclass
class Snapshot:
    order: Order
    attempt: Attempt


def reload(order: Order, attempt: Attempt) -> Snapshot:
    return Snapshot(order_store.get_order(order.partner_id, order.payment_no) or order,
                    order_store.get_attempt(attempt.out_payment_no) or attempt)


def record_payment(order: Order, attempt: Attempt, in_payment_no: str | None,
                   paid_at: datetime) -> PaymentOutcome:
    """A channel says ``attempt`` is paid. Idempotent: a repeat changes nothing."""
    for _ in range(3):  # the order may change under us (a concurrent close or payment)
        outcome, abnormal = classify_payment(order, attempt)
        if outcome is PaymentOutcome.ALREADY:
            return outcome
        if outcome is PaymentOutcome.ORDER_PAID:
            if order_store.pay_order(order, attempt, in_payment_no, paid_at,
                                     _pay_notification(order, attempt, in_payment_no, paid_at)):
                log("payment.paid", partnerId=order.partner_id, paymentNo=order.payment_no,
                    outPaymentNo=attempt.out_payment_no, fee=attempt.trade_fee)
                return outcome
        elif order_store.pay_abnormal(attempt, abnormal, in_payment_no, paid_at,
                                      _abnormal_payment(attempt, abnormal, paid_at)):
            log("payment.abnormal", partnerId=order.partner_id, paymentNo=order.payment_no,
                outPaymentNo=attempt.out_payment_no, abnormal=abnormal.value)
            return outcome
        snap = reload(order, attempt)
        order, attempt = snap.order, snap.attempt
    raise RuntimeError(f"payment of {attempt.out_payment_no} could not be recorded")


def _pay_notification(order: Order, attempt: Attempt, in_payment_no: str | None,
                      paid_at: datetime):
    """The 支付通知 of this payment, as the order will read once paid."""
    paid = replace(order, status=OrderState.PAID, paid_at=paid_at, paid_fee=attempt.trade_fee,
                   paid_attempt=attempt.out_payment_no)
    data = query_data(paid, replace(attempt, status=AttemptState.PAID,
                                    in_payment_no=in_payment_no, paid_at=paid_at)).wire()
    return outbox.new_item(f"pay#{attempt.out_payment_no}", "pay", order.partner_id,
                           order.isv_id, order.notify_url, data, clock.now())


def _abnormal_payment(attempt: Attempt, abnormal, at: datetime):
    kind = AbnormalType(abnormal.value)
    return abnormal_store.new_item(kind, attempt.out_payment_no, REASONS[kind],
                                   attempt.partner_id, attempt.trade_fee, at,
                                   payment_no=attempt.payment_no,
                                   out_payment_no=attempt.out_payment_no)


def apply_pay_result(order: Order, attempt: Attempt, result: PayResult,
                     now: datetime) -> Snapshot:
    """Bring the platform's records in line with the channel's answer about ``attempt``."""
    if result.state is PayState.SUCCESS:
        record_payment(order, attempt, result.in_payment_no, result.paid_at or now)
    elif result.state is PayState.FAILED and attempt.status is AttemptState.WAIT_PAY:
        order_store.fail_attempt(attempt, result.message or "支付失败",
                                 fail_order=order.current_attempt == attempt.out_payment_no)
    elif result.state is PayState.CLOSED and attempt.status is AttemptState.WAIT_PAY:
        order_store.end_attempt(attempt, AttemptState.CLOSED, end_order=False)
    return reload(order, attempt)


def sync_attempt(order: Order, attempt: Attempt, now: datetime) -> Snapshot:
    """Ask the channel about a waiting attempt and apply the answer."""
    try:
        result = gateway(attempt.channel).query(attempt.out_payment_no)
    except ChannelDown:
        return Snapshot(order, attempt)
    order_store.touch_sync(attempt.out_payment_no, now)
    return apply_pay_result(order, attempt, result, now)


def settle_refund(refund: Refund, result: RefundResult, now: datetime) -> Refund:
    """Apply a channel's refund answer; open refunds stay open on UNKNOWN / NOT_FOUND."""
    state = {RefundOutcome.SUCCESS: RefundState.SUCCESS,
             RefundOutcome.ACCEPTED: RefundState.ACCEPTED,
             RefundOutcome.FAILED: RefundState.FAILED}.get(result.state)
    if state is not None and state is not refund.status:
        notice = None
        if state in (RefundState.SUCCESS, RefundState.FAILED) and refund.notifies:
            final = replace(refund, status=state,
                            refund_time=now if state is RefundState.SUCCESS else None,
                            failed_reason=(result.message or "渠道退款失败")[:64]
                            if state is RefundState.FAILED else None)
            notice = outbox.new_item(f"refund#{refund.out_refund_no}", "refund",
                                     refund.partner_id, refund.isv_id, refund.notify_url,
                                     refund_data(final).wire(), now)
        if refund_store.settle_refund(refund, state, now, result.channel_refund_id,
                                      result.message, notice):
            log("refund.settled", partnerId=refund.partner_id, requestNo=refund.request_no,
                outRefundNo=refund.out_refund_no, state=state.value)
    return refund_store.get_refund(refund.partner_id, refund.request_no) or refund


def send_refund(refund: Refund, total_fee: int, now: datetime) -> Refund:
    """Submit a stored PROCESSING refund; a timeout is retried once with the same outRefundNo."""
    gw = gateway(refund.channel)
    result = RefundResult(RefundOutcome.UNKNOWN)
    for _ in range(2):
        refund_store.count_channel_call(refund)
        try:
            result = gw.refund(refund.out_payment_no, refund.out_refund_no, refund.refund_fee,
                               total_fee)
        except ChannelDown:
            # Nothing reached the channel; the amount stays reserved and the refund open, so
            # no second refund can slip through. The refund poller resubmits it.
            result = RefundResult(RefundOutcome.UNKNOWN, message="渠道不可用")
        if result.state is not RefundOutcome.UNKNOWN:
            break
    if result.state is RefundOutcome.UNKNOWN:
        log("refund.unknown", partnerId=refund.partner_id, outRefundNo=refund.out_refund_no)
    return settle_refund(refund, result, now)
