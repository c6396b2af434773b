"""Orders and payment attempts. Every state change is a conditional write or a transaction."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterator

from pynamodb.exceptions import DoesNotExist

from ..domain.orders import Abnormal, Attempt, AttemptState, Order, OrderState, order_key
from .db import ConditionFailed, conditional_update, cst, transaction
from .models import AttemptModel, OrderModel
from .shards import across_shards, shard_of

FIRST_SYNC = timedelta(seconds=5)   # first channel query of a waiting attempt
_LEAVE_WAITING = (AttemptModel.waiting_shard.remove(), AttemptModel.next_sync_at.remove())

_OPEN_ORDER = (OrderState.WAIT_PAY.value, OrderState.FAILED.value)


class AlreadyExists(Exception):
    pass


def _order(m: OrderModel) -> Order:
    return Order(
        partner_id=m.partner_id, payment_no=m.payment_no, biz_type=m.biz_type,
        trade_fee=int(m.trade_fee), subject=m.subject, expire_at=cst(m.expire_at),
        status=OrderState(m.status), current_attempt=m.current_attempt,
        created_at=cst(m.created_at), paid_attempt=m.paid_attempt, paid_fee=int(m.paid_fee),
        refundable_fee=int(m.refundable_fee), refunded_fee=int(m.refunded_fee),
        refund_count=int(m.refund_count), paid_at=cst(m.paid_at), district_id=m.district_id,
        source_type=m.source_type, biz_data=m.biz_data, notify_url=m.notify_url,
        isv_id=m.isv_id,
    )


def _order_model(o: Order) -> OrderModel:
    return OrderModel(
        o.key, partner_id=o.partner_id, payment_no=o.payment_no, biz_type=o.biz_type,
        trade_fee=o.trade_fee, subject=o.subject, expire_at=o.expire_at, status=o.status.value,
        current_attempt=o.current_attempt, paid_attempt=o.paid_attempt, paid_fee=o.paid_fee,
        refundable_fee=o.refundable_fee, refunded_fee=o.refunded_fee,
        refund_count=o.refund_count, paid_at=o.paid_at, created_at=o.created_at,
        district_id=o.district_id, source_type=o.source_type, biz_data=o.biz_data,
        notify_url=o.notify_url, isv_id=o.isv_id,
    )


def _attempt(m: AttemptModel) -> Attempt:
    return Attempt(
        out_payment_no=m.out_payment_no, partner_id=m.partner_id, payment_no=m.payment_no,
        channel=m.channel, product=m.product, mode=m.mode, trade_fee=int(m.trade_fee),
        status=AttemptState(m.status), created_at=cst(m.created_at), expire_at=cst(m.expire_at),
        in_payment_no=m.in_payment_no, pay_url=m.pay_url, paid_at=cst(m.paid_at),
        last_sync_at=cst(m.last_sync_at),
        abnormal=Abnormal(m.abnormal) if m.abnormal else None, fail_reason=m.fail_reason,
        auth_code_mask=m.auth_code_mask, refundable_fee=int(m.refundable_fee),
        refunded_fee=int(m.refunded_fee), sync_count=int(m.sync_count),
    )


def _attempt_model(a: Attempt) -> AttemptModel:
    return AttemptModel(
        a.out_payment_no, order_pk=a.order_key, partner_id=a.partner_id, payment_no=a.payment_no,
        channel=a.channel, product=a.product, mode=a.mode, trade_fee=a.trade_fee,
        status=a.status.value, created_at=a.created_at, expire_at=a.expire_at,
        in_payment_no=a.in_payment_no, pay_url=a.pay_url, paid_at=a.paid_at,
        last_sync_at=a.last_sync_at, abnormal=a.abnormal.value if a.abnormal else None,
        fail_reason=a.fail_reason, auth_code_mask=a.auth_code_mask,
        waiting_shard=shard_of(a.out_payment_no) if a.status is AttemptState.WAIT_PAY else None,
        next_sync_at=a.created_at + FIRST_SYNC if a.status is AttemptState.WAIT_PAY else None,
    )


def get_order(partner_id: str, payment_no: str) -> Order | None:
    try:
        return _order(OrderModel.get(order_key(partner_id, payment_no), consistent_read=True))
    except DoesNotExist:
        return None


def get_attempt(out_payment_no: str) -> Attempt | None:
    try:
        return _attempt(AttemptModel.get(out_payment_no, consistent_read=True))
    except DoesNotExist:
        return None


def attempts_of(order: Order) -> list[Attempt]:
    return [_attempt(m) for m in AttemptModel.by_order.query(order.key)]


def create_order(order: Order, attempt: Attempt) -> None:
    """Insert a new order with its first attempt; AlreadyExists if the paymentNo is taken."""
    try:
        with transaction() as tw:
            tw.save(_order_model(order), condition=OrderModel.pk.does_not_exist())
            tw.save(_attempt_model(attempt), condition=AttemptModel.out_payment_no.does_not_exist())
    except ConditionFailed as exc:
        raise AlreadyExists(order.key) from exc


def add_attempt(order: Order, attempt: Attempt) -> None:
    """Make ``attempt`` the order's current one, if nobody changed the order meanwhile."""
    expected = OrderModel.current_attempt == order.current_attempt if order.current_attempt \
        else OrderModel.current_attempt.does_not_exist()
    try:
        with transaction() as tw:
            tw.save(_attempt_model(attempt), condition=AttemptModel.out_payment_no.does_not_exist())
            tw.update(OrderModel(order.key),
                      actions=[OrderModel.current_attempt.set(attempt.out_payment_no),
                               OrderModel.status.set(OrderState.WAIT_PAY.value)],
                      condition=expected & OrderModel.status.is_in(*_OPEN_ORDER))
    except ConditionFailed as exc:
        raise AlreadyExists(order.key) from exc


def set_pay_url(out_payment_no: str, pay_url: str) -> None:
    AttemptModel(out_payment_no).update(
        actions=[AttemptModel.pay_url.set(pay_url)],
        condition=AttemptModel.out_payment_no.exists())


def touch_sync(out_payment_no: str, at: datetime) -> None:
    AttemptModel(out_payment_no).update(
        actions=[AttemptModel.last_sync_at.set(at)], condition=AttemptModel.out_payment_no.exists())


def fail_attempt(attempt: Attempt, reason: str, fail_order: bool) -> bool:
    """WAIT_PAY -> FAILED (and the order WAIT_PAY -> FAILED when it was its current attempt)."""
    try:
        with transaction() as tw:
            tw.update(AttemptModel(attempt.out_payment_no),
                      actions=[AttemptModel.status.set(AttemptState.FAILED.value),
                               AttemptModel.fail_reason.set(reason[:128]), *_LEAVE_WAITING],
                      condition=AttemptModel.status == AttemptState.WAIT_PAY.value)
            if fail_order:
                tw.update(OrderModel(attempt.order_key),
                          actions=[OrderModel.status.set(OrderState.FAILED.value)],
                          condition=(OrderModel.status == OrderState.WAIT_PAY.value)
                          & (OrderModel.current_attempt == attempt.out_payment_no))
        return True
    except ConditionFailed:
        return False


def end_attempt(attempt: Attempt, state: AttemptState, end_order: bool) -> bool:
    """WAIT_PAY/FAILED attempt -> CLOSED/EXPIRED; the order follows when ``end_order``."""
    try:
        with transaction() as tw:
            tw.update(AttemptModel(attempt.out_payment_no),
                      actions=[AttemptModel.status.set(state.value), *_LEAVE_WAITING],
                      condition=AttemptModel.status.is_in(AttemptState.WAIT_PAY.value,
                                                          AttemptState.FAILED.value))
            if end_order:
                tw.update(OrderModel(attempt.order_key),
                          actions=[OrderModel.status.set(state.value)],
                          condition=OrderModel.status.is_in(*_OPEN_ORDER))
        return True
    except ConditionFailed:
        return False


def close_order_only(order: Order, state: OrderState) -> bool:
    return conditional_update(OrderModel(order.key), [OrderModel.status.set(state.value)],
                              OrderModel.status.is_in(*_OPEN_ORDER))


def pay_order(order: Order, attempt: Attempt, in_payment_no: str | None,
              paid_at: datetime, notification=None) -> bool:
    """The attempt succeeded and the order takes the money: both become PAID atomically, with
    the payment notification to the business service written in the same transaction."""
    try:
        with transaction() as tw:
            tw.update(AttemptModel(attempt.out_payment_no),
                      actions=[AttemptModel.status.set(AttemptState.PAID.value),
                               AttemptModel.in_payment_no.set(in_payment_no),
                               AttemptModel.paid_at.set(paid_at), *_LEAVE_WAITING],
                      condition=AttemptModel.status.is_in(AttemptState.WAIT_PAY.value,
                                                          AttemptState.FAILED.value))
            tw.update(OrderModel(order.key),
                      actions=[OrderModel.status.set(OrderState.PAID.value),
                               OrderModel.paid_attempt.set(attempt.out_payment_no),
                               OrderModel.current_attempt.set(attempt.out_payment_no),
                               OrderModel.paid_fee.set(attempt.trade_fee),
                               OrderModel.refundable_fee.set(attempt.trade_fee),
                               OrderModel.paid_at.set(paid_at)],
                      condition=OrderModel.status.is_in(*_OPEN_ORDER))
            if notification is not None:
                tw.save(notification, condition=notification.__class__.pk.does_not_exist())
        return True
    except ConditionFailed:
        return False


def pay_abnormal(attempt: Attempt, abnormal: Abnormal, in_payment_no: str | None,
                 paid_at: datetime, record) -> bool:
    """Money arrived on an attempt the order cannot take: the attempt records it (refundable on
    its own), the abnormal order is raised in the same transaction; the order is left alone."""
    try:
        with transaction() as tw:
            tw.update(AttemptModel(attempt.out_payment_no),
                      actions=[AttemptModel.status.set(AttemptState.PAID.value),
                               AttemptModel.abnormal.set(abnormal.value),
                               AttemptModel.in_payment_no.set(in_payment_no),
                               AttemptModel.paid_at.set(paid_at),
                               AttemptModel.refundable_fee.set(attempt.trade_fee),
                               *_LEAVE_WAITING],
                      condition=AttemptModel.status != AttemptState.PAID.value)
            tw.save(record, condition=record.__class__.pk.does_not_exist())
        return True
    except ConditionFailed:
        return False


def waiting(now: datetime, limit: int) -> Iterator[Attempt]:
    """Waiting attempts due for a channel query (sparse index: settled ones are not in it)."""
    for m in across_shards(lambda shard, n: AttemptModel.waiting.query(
            shard, AttemptModel.next_sync_at <= now, limit=n), limit):
        yield _attempt(m)


def reschedule_sync(attempt: Attempt, at: datetime, next_at: datetime) -> bool:
    return conditional_update(
        AttemptModel(attempt.out_payment_no),
        [AttemptModel.next_sync_at.set(next_at), AttemptModel.sync_count.add(1),
         AttemptModel.last_sync_at.set(at)],
        AttemptModel.status == AttemptState.WAIT_PAY.value)
