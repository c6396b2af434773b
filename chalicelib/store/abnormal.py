"""Abnormal orders: created once per cause (inside the causing transaction where there is one),
listed by merchant or by day, handled by operators."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from pynamodb.exceptions import DoesNotExist, PutError

from ..clock import CST
from ..domain.abnormal import ABNORMAL_PAYMENTS, AbnormalType, Handling, Status, abnormal_key
from .db import conditional_update, cst
from .models import AbnormalModel


@dataclass
class AbnormalOrder:
    pk: str
    kind: AbnormalType
    reason: str
    partner_id: str
    amount: int
    status: Status
    created_at: datetime
    updated_at: datetime
    payment_no: str | None = None
    out_payment_no: str | None = None
    out_refund_no: str | None = None
    request_no: str | None = None
    handling: str | None = None
    operator: str | None = None
    note: str | None = None
    auto_due: bool = False
    auto_refund_request_no: str | None = None


def _from(m: AbnormalModel) -> AbnormalOrder:
    return AbnormalOrder(
        m.pk, AbnormalType(m.kind), m.reason, m.partner_id, int(m.amount), Status(m.status),
        cst(m.created_at), cst(m.updated_at), m.payment_no, m.out_payment_no, m.out_refund_no,
        m.request_no, m.handling, m.operator, m.note, bool(m.auto_due),
        m.auto_refund_request_no)


def new_item(kind: AbnormalType, cause: str, reason: str, partner_id: str, amount: int,
             at: datetime, *, payment_no=None, out_payment_no=None, out_refund_no=None,
             request_no=None) -> AbnormalModel:
    return AbnormalModel(
        abnormal_key(kind, cause), kind=kind.value, reason=reason, partner_id=partner_id,
        payment_no=payment_no, out_payment_no=out_payment_no, out_refund_no=out_refund_no,
        request_no=request_no, amount=amount, status=Status.UNHANDLED.value,
        day=at.astimezone(CST).strftime("%Y-%m-%d"), created_at=at, updated_at=at,
        auto_due="due" if kind in ABNORMAL_PAYMENTS else None)


def raise_once(item: AbnormalModel) -> bool:
    """Save unless this (type, cause) is already recorded; True when it was new."""
    try:
        item.save(condition=AbnormalModel.pk.does_not_exist())
        return True
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def get(pk: str) -> AbnormalOrder | None:
    try:
        return _from(AbnormalModel.get(pk, consistent_read=True))
    except DoesNotExist:
        return None


def auto_refund_due(limit: int) -> Iterator[AbnormalOrder]:
    for m in AbnormalModel.auto_refund.query("due", limit=limit):
        yield _from(m)


def set_auto_refund(pk: str, request_no: str | None, done: bool) -> None:
    actions = []
    if request_no:
        actions.append(AbnormalModel.auto_refund_request_no.set(request_no))
    if done:
        actions.append(AbnormalModel.auto_due.remove())
    if actions:
        conditional_update(AbnormalModel(pk), actions, AbnormalModel.pk.exists())


def handle(pk: str, handling: Handling, operator: str, note: str, at: datetime) -> bool:
    """未处理 → 已处理 with the action taken; False when it was handled already."""
    return conditional_update(
        AbnormalModel(pk),
        [AbnormalModel.status.set(Status.HANDLED.value), AbnormalModel.handling.set(handling.value),
         AbnormalModel.operator.set(operator), AbnormalModel.note.set(note[:256]),
         AbnormalModel.updated_at.set(at), AbnormalModel.auto_due.remove()],
        AbnormalModel.status == Status.UNHANDLED.value)


def search(*, partner_ids: list[str] | None, day: str | None, kind: str | None,
           status: str | None, limit: int = 200) -> list[AbnormalOrder]:
    """By merchant(s) and/or day through the indexes; type and state filter within."""
    cond = None
    if kind:
        cond = AbnormalModel.kind == kind
    if status:
        cond = (cond & (AbnormalModel.status == status)) if cond is not None else \
            AbnormalModel.status == status
    out: list[AbnormalOrder] = []
    if partner_ids is not None:
        for pid in partner_ids:
            rng = None
            if day:
                start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=CST)
                from datetime import timedelta
                rng = AbnormalModel.created_at.between(start, start + timedelta(days=1))
            out += [_from(m) for m in AbnormalModel.by_partner.query(
                pid, rng, filter_condition=cond, scan_index_forward=False, limit=limit)]
    elif day:
        out = [_from(m) for m in AbnormalModel.by_day.query(
            day, filter_condition=cond, scan_index_forward=False, limit=limit)]
    out.sort(key=lambda a: a.created_at, reverse=True)
    return out[:limit]
