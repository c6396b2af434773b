"""Refunds. The refund record and the order's amounts change together in one transaction whose
conditions make over-refunding impossible under any concurrency."""
from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from ..domain.orders import AttemptState, OrderState, order_key
from ..domain.refunds import FIRST_POLL, OPEN_REFUND_STATES, Refund, RefundState
from .db import ConditionFailed, conditional_update, cst, transaction
from .models import AttemptModel, CounterModel, OrderModel, RefundModel
from .shards import across_shards, shard_of

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
        target=m.target, origin=m.origin, hold_reason=m.hold_reason,
        poll_count=int(m.poll_count), isv_id=m.isv_id,
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


def _item(refund: Refund) -> RefundModel:
    pending = refund.status in OPEN_REFUND_STATES
    return RefundModel(
        _key(refund.partner_id, refund.request_no), partner_id=refund.partner_id,
        request_no=refund.request_no, out_refund_no=refund.out_refund_no,
        order_pk=order_key(refund.partner_id, refund.payment_no),
        payment_no=refund.payment_no, out_payment_no=refund.out_payment_no,
        in_payment_no=refund.in_payment_no, channel=refund.channel, product=refund.product,
        refund_fee=refund.refund_fee, refund_no=refund.refund_no, status=refund.status.value,
        created_at=refund.created_at, biz_data=refund.biz_data, notify_url=refund.notify_url,
        channel_calls=0, target=refund.target, origin=refund.origin,
        hold_reason=refund.hold_reason, isv_id=refund.isv_id,
        pending_shard=shard_of(refund.out_refund_no) if pending else None,
        next_poll_at=refund.created_at + FIRST_POLL if pending else None)


def _reserve(tw, refund: Refund, max_count: int | None) -> None:
    """Take the refund's amount from what its payment can still give, if enough is left."""
    if refund.target == "attempt":
        tw.update(AttemptModel(refund.out_payment_no),
                  actions=[AttemptModel.refundable_fee.add(-refund.refund_fee)],
                  condition=(AttemptModel.status == AttemptState.PAID.value)
                  & AttemptModel.abnormal.exists()
                  & (AttemptModel.refundable_fee >= refund.refund_fee))
        return
    condition = ((OrderModel.status == OrderState.PAID.value)
                 & (OrderModel.paid_attempt == refund.out_payment_no)
                 & (OrderModel.refundable_fee >= refund.refund_fee))
    if max_count is not None:
        condition &= OrderModel.refund_count < max_count
    tw.update(OrderModel(order_key(refund.partner_id, refund.payment_no)),
              actions=[OrderModel.refundable_fee.add(-refund.refund_fee),
                       OrderModel.refund_count.add(1)],
              condition=condition)


def create_refund(refund: Refund, max_count: int | None, risk_counters: list = ()) -> None:
    """Store a PROCESSING refund and reserve its amount, atomically, counting it against the
    merchant's risk rules in the same transaction.

    Raises RefundExists when the requestNo is taken, NotRefundable when the payment cannot give
    the amount (reserved by concurrent refunds, not paid, too many refunds), RiskLimited(i) when
    risk counter ``i`` is full.
    """
    item = _item(refund)
    try:
        with transaction() as tw:
            tw.save(item, condition=RefundModel.pk.does_not_exist())
            _reserve(tw, refund, max_count)
            for counter, actions, condition in risk_counters:
                tw.update(counter, actions=actions, condition=condition)
    except ConditionFailed as exc:
        if 0 in exc.failed:
            raise RefundExists(item.pk) from exc
        if 1 in exc.failed:
            raise NotRefundable(item.pk) from exc
        raise RiskLimited(min(exc.failed) - 2) from exc


class RiskLimited(Exception):
    def __init__(self, index: int):
        super().__init__(index)
        self.index = index


def create_held_refund(refund: Refund, abnormal_item) -> bool:
    """A refund risk control holds: stored as RISK_HOLD (nothing reserved, nothing sent) with its
    退款失败 abnormal order, together. False when the requestNo is taken."""
    try:
        with transaction() as tw:
            tw.save(_item(refund), condition=RefundModel.pk.does_not_exist())
            tw.save(abnormal_item, condition=abnormal_item.__class__.pk.does_not_exist())
        return True
    except ConditionFailed:
        return False


def release_hold(refund: Refund, max_count: int | None, at: datetime) -> None:
    """An operator releases a held refund: RISK_HOLD → PROCESSING with its amount reserved now."""
    rkey = _key(refund.partner_id, refund.request_no)
    try:
        with transaction() as tw:
            tw.update(RefundModel(rkey), actions=[
                RefundModel.status.set(RefundState.PROCESSING.value),
                RefundModel.pending_shard.set(shard_of(refund.out_refund_no)),
                RefundModel.next_poll_at.set(at + FIRST_POLL)],
                condition=RefundModel.status == RefundState.RISK_HOLD.value)
            _reserve(tw, refund, max_count)
    except ConditionFailed as exc:
        if 0 in exc.failed:
            raise RefundExists(rkey) from exc
        raise NotRefundable(rkey) from exc


def pending(now: datetime, limit: int):
    """Open refunds due for a channel query (sparse index: settled refunds are not in it)."""
    for m in across_shards(lambda shard, n: RefundModel.pending.query(
            shard, RefundModel.next_poll_at <= now, limit=n), limit):
        yield _refund(m)


def reschedule_poll(refund: Refund, next_at: datetime) -> bool:
    return conditional_update(
        RefundModel(_key(refund.partner_id, refund.request_no)),
        [RefundModel.next_poll_at.set(next_at), RefundModel.poll_count.add(1)],
        RefundModel.status.is_in(*_OPEN))


def refunds_of_order(partner_id: str, payment_no: str) -> list[Refund]:
    return [get_refund(m.partner_id, m.request_no) for m in
            RefundModel.by_order.query(order_key(partner_id, payment_no))]


def count_channel_call(refund: Refund) -> None:
    RefundModel(_key(refund.partner_id, refund.request_no)).update(
        actions=[RefundModel.channel_calls.add(1)])


def settle_refund(refund: Refund, state: RefundState, at: datetime,
                  channel_refund_id: str | None = None, reason: str | None = None,
                  notification=None) -> bool:
    """Move an open refund to ACCEPTED, SUCCESS or FAILED, with its payment's amounts.

    SUCCESS adds the fee to the refunded amount; FAILED gives it back to the refundable amount;
    a final state leaves the poller's index and writes the refund notification (outbox) in the
    same transaction. False when the refund was no longer open (settled by someone else).
    """
    rkey = _key(refund.partner_id, refund.request_no)
    actions = [RefundModel.status.set(state.value)]
    if channel_refund_id:
        actions.append(RefundModel.channel_refund_id.set(channel_refund_id))
    if state is RefundState.ACCEPTED:
        return conditional_update(RefundModel(rkey), actions,
                                  RefundModel.status == RefundState.PROCESSING.value)
    actions += [RefundModel.pending_shard.remove(), RefundModel.next_poll_at.remove()]
    if state is RefundState.SUCCESS:
        actions.append(RefundModel.refund_time.set(at))
    else:
        actions.append(RefundModel.failed_reason.set((reason or "渠道退款失败")[:64]))
    success = state is RefundState.SUCCESS
    try:
        with transaction() as tw:
            tw.update(RefundModel(rkey), actions=actions,
                      condition=RefundModel.status.is_in(*_OPEN))
            if refund.target == "attempt":
                tw.update(AttemptModel(refund.out_payment_no), actions=[
                    AttemptModel.refunded_fee.add(refund.refund_fee) if success
                    else AttemptModel.refundable_fee.add(refund.refund_fee)],
                    condition=AttemptModel.out_payment_no.exists())
            else:
                tw.update(OrderModel(order_key(refund.partner_id, refund.payment_no)), actions=[
                    OrderModel.refunded_fee.add(refund.refund_fee) if success
                    else OrderModel.refundable_fee.add(refund.refund_fee)],
                    condition=OrderModel.pk.exists())
            if notification is not None:
                tw.save(notification, condition=notification.__class__.pk.does_not_exist())
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
