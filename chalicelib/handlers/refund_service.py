"""Opening a refund — the one path for ISV refunds, automatic refunds of abnormal payments and
operators' refunds: channel rules, risk control, the reserving transaction, the channel call."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ..domain.abnormal import AbnormalType
from ..domain.channels import rules_for
from ..domain.ids import new_out_refund_no
from ..domain.orders import Attempt, Order
from ..domain.parties import Merchant
from ..domain.refunds import Refund, RefundState, check_refund
from ..domain.risk import RiskRule, hold_reason
from ..errors import (
    ChannelRuleError,
    ConflictError,
    NotFoundError,
    OverRefundError,
    RiskHoldError,
    StateError,
)
from ..logs import log
from ..store import abnormal as abnormal_store
from ..store import orders as order_store
from ..store import refunds as refund_store
from ..store.db import retrying
from ..store.models import CounterModel
from . import settlement
from .wire import refund_data


@dataclass(frozen=True)
class RefundAsk:
    """What someone asks to refund. ``target`` "order" refunds the order's paid attempt;
    "attempt" refunds an abnormal payment's own money (``out_payment_no``)."""
    request_no: str
    refund_fee: int
    refund_no: str
    payment_no: str
    target: str = "order"
    out_payment_no: str | None = None
    origin: str = "isv"
    biz_data: str | None = None
    notify_url: str | None = None
    isv_id: str | None = None
    apply_risk: bool = True


def same_request(existing: Refund, ask: RefundAsk) -> Refund:
    """A retried requestNo: the first refund, or 2001 if the content differs."""
    if (existing.refund_fee != ask.refund_fee or existing.payment_no != ask.payment_no
            or existing.refund_no != ask.refund_no):
        raise ConflictError("相同 requestNo 的退款请求内容不一致")
    if existing.status is RefundState.RISK_HOLD:
        raise RiskHoldError(existing.hold_reason or "退款已进入风控", refund_data(existing).wire())
    return existing


def _risk_counters(merchant: Merchant, fee: int, now: datetime) -> list:
    """One conditional counter update per rule, applied in the refund's own transaction."""
    updates = []
    for rule in merchant.risk_rules:
        bucket, expires = rule.bucket(now)
        condition = None
        if rule.max_count is not None:
            condition = CounterModel.hits.does_not_exist() | (CounterModel.hits < rule.max_count)
        if rule.max_amount is not None:
            amount_ok = CounterModel.amount.does_not_exist() | (
                CounterModel.amount <= rule.max_amount - fee)
            condition = amount_ok if condition is None else condition & amount_ok
        updates.append((CounterModel(f"risk#{merchant.partner_id}#{bucket}"),
                        [CounterModel.hits.add(1), CounterModel.amount.add(fee),
                         CounterModel.expires.set(expires)],
                        condition if condition is not None else CounterModel.pk.exists()
                        | CounterModel.pk.does_not_exist()))
    return updates


def _which_limit(merchant: Merchant, rule: RiskRule, now: datetime) -> bool:
    """True when the rule's count is what is full (else its amount)."""
    bucket, _ = rule.bucket(now)
    try:
        c = CounterModel.get(f"risk#{merchant.partner_id}#{bucket}", consistent_read=True)
        return rule.max_count is not None and int(c.hits or 0) >= rule.max_count
    except CounterModel.DoesNotExist:
        return False


def _hold(refund: Refund, reason: str, now: datetime) -> None:
    """Store the refund as held by risk control (with its 退款失败) and answer 2005."""
    held = replace(refund, status=RefundState.RISK_HOLD, hold_reason=reason)
    record = abnormal_store.new_item(
        AbnormalType.REFUND_FAILED, refund.out_refund_no, reason, refund.partner_id,
        refund.refund_fee, now, payment_no=refund.payment_no,
        out_payment_no=refund.out_payment_no, out_refund_no=refund.out_refund_no,
        request_no=refund.request_no)
    if refund_store.create_held_refund(held, record):
        log("refund.risk_hold", partnerId=refund.partner_id, requestNo=refund.request_no,
            reason=reason)
    else:   # a concurrent request with the same requestNo stored its refund first
        held = refund_store.get_refund(refund.partner_id, refund.request_no)
    raise RiskHoldError(held.hold_reason or "退款已进入风控", refund_data(held).wire())


def open_refund(merchant: Merchant, ask: RefundAsk, now: datetime) -> Refund:
    """Create the refund (once per requestNo), reserve its amount, and send it to the channel.

    Raises the ISV error that forbids it; a refund held by risk control raises RiskHoldError
    after being stored (so an operator can release it)."""
    partner_id = merchant.partner_id
    existing = refund_store.get_refund(partner_id, ask.request_no)
    if existing is not None:
        return same_request(existing, ask)
    order, attempt = _payment(partner_id, ask)
    rules = rules_for(attempt.channel, merchant.refund_window_days)
    if ask.target == "order":
        check_refund(order, ask.refund_fee, rules, now)
    elif ask.refund_fee > attempt.refundable_fee:
        raise OverRefundError("退款金额超过该笔异常支付的可退金额")
    account = merchant.channel_accounts.get(attempt.channel) or partner_id
    if rules.refunds_per_second and not refund_store.take_rate_slot(
            f"refund-rate#{attempt.channel}#{account}", now, rules.refunds_per_second):
        raise ChannelRuleError("渠道退款请求过于频繁，请稍后重试")
    new = Refund(
        partner_id=partner_id, request_no=ask.request_no, out_refund_no=new_out_refund_no(now),
        payment_no=order.payment_no, out_payment_no=attempt.out_payment_no,
        channel=attempt.channel, product=attempt.product, refund_fee=ask.refund_fee,
        refund_no=ask.refund_no, status=RefundState.PROCESSING, created_at=now,
        in_payment_no=attempt.in_payment_no, biz_data=ask.biz_data, notify_url=ask.notify_url,
        target=ask.target, origin=ask.origin, isv_id=ask.isv_id or order.isv_id)
    risk_rules = merchant.risk_rules if ask.apply_risk else ()
    for rule in risk_rules:      # one refund larger than a window's whole allowance
        if rule.max_amount is not None and ask.refund_fee > rule.max_amount:
            _hold(new, hold_reason(rule, count_exceeded=False), now)
    counters = _risk_counters(merchant, ask.refund_fee, now) if risk_rules else []
    max_count = rules.max_partial_refunds if ask.target == "order" else None
    try:
        retrying(lambda: refund_store.create_refund(new, max_count, counters))
    except refund_store.RefundExists:
        return same_request(refund_store.get_refund(partner_id, ask.request_no), ask)
    except refund_store.NotRefundable:
        if ask.target == "order":
            check_refund(order_store.get_order(partner_id, ask.payment_no), ask.refund_fee,
                         rules, now)
        raise OverRefundError("退款金额超过可退金额") from None
    except refund_store.RiskLimited as exc:
        rule = merchant.risk_rules[exc.index]
        _hold(new, hold_reason(rule, _which_limit(merchant, rule, now)), now)
    log("refund.created", partnerId=partner_id, requestNo=ask.request_no,
        outRefundNo=new.out_refund_no, fee=ask.refund_fee, origin=ask.origin)
    # Only the request that created the refund talks to the channel: retries never do.
    return settlement.send_refund(new, attempt.trade_fee, now)


def release(merchant: Merchant, refund: Refund, now: datetime) -> Refund:
    """Send a risk-held refund on (the operator's decision: risk rules are not applied again)."""
    if refund.status is not RefundState.RISK_HOLD:
        raise StateError("该退款不在风控中")
    order, attempt = _payment(merchant.partner_id, RefundAsk(
        refund.request_no, refund.refund_fee, refund.refund_no, refund.payment_no,
        refund.target, refund.out_payment_no))
    rules = rules_for(attempt.channel, merchant.refund_window_days)
    if refund.target == "order":
        check_refund(order, refund.refund_fee, rules, now)
    try:
        refund_store.release_hold(refund, rules.max_partial_refunds
                                  if refund.target == "order" else None, now)
    except refund_store.RefundExists:
        raise StateError("该退款已被处理") from None
    except refund_store.NotRefundable:
        raise OverRefundError("退款金额超过可退金额") from None
    opened = refund_store.get_refund(refund.partner_id, refund.request_no)
    return settlement.send_refund(opened, attempt.trade_fee, now)


def _payment(partner_id: str, ask: RefundAsk) -> tuple[Order, Attempt]:
    order = order_store.get_order(partner_id, ask.payment_no)
    if order is None:
        raise NotFoundError("订单不存在")
    if ask.target == "attempt":
        attempt = order_store.get_attempt(ask.out_payment_no or "")
        if attempt is None or attempt.payment_no != order.payment_no or attempt.abnormal is None:
            raise StateError("该支付不是异常支付")
        return order, attempt
    if order.paid_attempt is None:
        raise StateError("订单未支付，不能退款")
    return order, order_store.get_attempt(order.paid_attempt)
