"""Refunds. The refund record and the order's amounts change together in one transaction whose
conditions make over-refunding impossible under any concurrency."""
from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from ..domain.orders import OrderState, order_key
from ..domain.refunds import OPEN_REFUND_STATES, Refund, RefundState
from .db import ConditionFailed, conditional_update, cst, transaction
from .models import CounterModel, OrderModel, RefundModel

_OPEN = tuple(s.value for s in OPEN_REFUND_STATES)


class RefundExists(Exception):
    pass


class NotRefundable(Exception):
    """The order changed under us: not paid any more, not enough left, or too many refunds."""


def _key(partner_id: str, request_no: str) -> str:
    return f"{partner_id}#{request_no}"


def _refund(m: RefundModel) -> Refund:
    return Refund(
        partner_id=m.partner_id, request_no=m.request_no, out_refund_no=m.out_refund_no,
        payment_no=m.payment_no, out_payment_no=m.out_payment_no, channel=m.channel,
        product=m.product, refund_fee=int(m.refund_fee), refund_no=m.refund_no,
        status=RefundState(m.status), created_at=cst(m.created_at),
        in_payment_no=m.in_payment_no, failed_reason=m.failed_reason,
        refund_time=cst(m.refund_time), biz_data=m.biz_data, notify_url=m.notify_url,
        channel_refund_id=m.channel_refund_id, channel_calls=int(m.channel_calls),
    )


def get_refund(partner_id: str, request_no: str) -> Refund | None:
    try:
        return _refund(RefundModel.get(_key(partner_id, request_no), consistent_read=True))
    except DoesNotExist:
        return None


def get_refund_by_out_refund_no(out_refund_no: str) -> Refund | None:
    for m in RefundModel.by_out_refund_no.query(out_refund_no, limit=1):
        # The index is eventually consistent: read the item itself for its current state.
        return get_refund(m.partner_id, m.request_no)
    return None


def create_refund(refund: Refund, max_count: int | None) -> None:
    """Store a PROCESSING refund and reserve its amount on the order, atomically.

    Raises RefundExists when the requestNo is taken, NotRefundable when the order cannot give
    the amount (already reserved by concurrent refunds, not paid, or too many refunds).
    """
    okey = order_key(refund.partner_id, refund.payment_no)
    item = RefundModel(
        _key(refund.partner_id, refund.request_no), partner_id=refund.partner_id,
        request_no=refund.request_no, out_refund_no=refund.out_refund_no, order_pk=okey,
        payment_no=refund.payment_no, out_payment_no=refund.out_payment_no,
        in_payment_no=refund.in_payment_no, channel=refund.channel, product=refund.product,
        refund_fee=refund.refund_fee, refund_no=refund.refund_no, status=refund.status.value,
        created_at=refund.created_at, biz_data=refund.biz_data, notify_url=refund.notify_url,
        channel_calls=0)
    order_condition = ((OrderModel.status == OrderState.PAID.value)
                       & (OrderModel.paid_attempt == refund.out_payment_no)
                       & (OrderModel.refundable_fee >= refund.refund_fee))
    if max_count is not None:
        order_condition &= OrderModel.refund_count < max_count
    try:
        with transaction() as tw:
            tw.save(item, condition=RefundModel.pk.does_not_exist())
            tw.update(OrderModel(okey),
                      actions=[OrderModel.refundable_fee.add(-refund.refund_fee),
                               OrderModel.refund_count.add(1)],
                      condition=order_condition)
    except ConditionFailed as exc:
        if 0 in exc.failed:
            raise RefundExists(item.pk) from exc
        raise NotRefundable(okey) from exc


def count_channel_call(refund: Refund) -> None:
    RefundModel(_key(refund.partner_id, refund.request_no)).update(
        actions=[RefundModel.channel_calls.add(1)])


def settle_refund(refund: Refund, state: RefundState, at: datetime,
                  channel_refund_id: str | None = None, reason: str | None = None) -> bool:
    """Move an open refund to ACCEPTED, SUCCESS or FAILED, with the order's amounts.

    SUCCESS adds the fee to the order's refunded amount; FAILED gives it back to the refundable
    amount. False when the refund was no longer open (settled by someone else).
    """
    rkey = _key(refund.partner_id, refund.request_no)
    actions = [RefundModel.status.set(state.value)]
    if channel_refund_id:
        actions.append(RefundModel.channel_refund_id.set(channel_refund_id))
    if state is RefundState.SUCCESS:
        actions.append(RefundModel.refund_time.set(at))
    if state is RefundState.FAILED:
        actions.append(RefundModel.failed_reason.set((reason or "渠道退款失败")[:64]))
    open_now = RefundModel.status.is_in(*_OPEN)
    if state is RefundState.ACCEPTED:
        return conditional_update(RefundModel(rkey), actions,
                                  RefundModel.status == RefundState.PROCESSING.value)
    okey = order_key(refund.partner_id, refund.payment_no)
    if state is RefundState.SUCCESS:
        order_action = OrderModel.refunded_fee.add(refund.refund_fee)
    else:
        order_action = OrderModel.refundable_fee.add(refund.refund_fee)
    try:
        with transaction() as tw:
            tw.update(RefundModel(rkey), actions=actions, condition=open_now)
            tw.update(OrderModel(okey), actions=[order_action],
                      condition=OrderModel.pk.exists())
        return True
    except ConditionFailed:
        return False


def take_rate_slot(name: str, at: datetime, per_second: int) -> bool:
    """Count one call in this second's bucket; False when ``per_second`` is already used."""
    second = int(at.timestamp())
    expires = at + timedelta(minutes=5)
    return conditional_update(
        CounterModel(f"{name}#{second}"),
        [CounterModel.hits.add(1), CounterModel.expires.set(expires)],
        CounterModel.hits.does_not_exist() | (CounterModel.hits < per_second))
