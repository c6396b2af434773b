"""The notification outbox. A notification is created inside the transaction that changes the
state it announces, and is found by the dispatcher through the sparse ``due`` index."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from pynamodb.exceptions import DoesNotExist

from ..domain.abnormal import AbnormalType
from ..domain.notifications import LEASE, notify_id
from .db import ConditionFailed, conditional_update, cst, transaction
from .models import NotificationModel
from .shards import across_shards, shard_of


@dataclass
class Notification:
    pk: str
    notify_id: str
    partner_id: str
    isv_id: str | None
    kind: str
    url: str | None
    payload: dict
    state: str
    attempts: int
    next_at: datetime | None
    created_at: datetime
    last_status: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None


def _from(m: NotificationModel) -> Notification:
    return Notification(m.pk, m.notify_id, m.partner_id, m.isv_id, m.kind, m.url,
                        json.loads(m.payload), m.state, int(m.attempts), cst(m.next_at),
                        cst(m.created_at), m.last_status, m.last_error, cst(m.delivered_at))


def new_item(event_key: str, kind: str, partner_id: str, isv_id: str | None, url: str | None,
             data: dict, at: datetime) -> NotificationModel:
    """A PENDING notification, due now, to save in the caller's transaction."""
    nid = notify_id(at, event_key)
    payload = {"notifyId": nid, "notifyType": kind, **data}
    return NotificationModel(
        event_key, notify_id=nid, partner_id=partner_id, isv_id=isv_id, kind=kind, url=url,
        payload=json.dumps(payload, ensure_ascii=False), state="PENDING", attempts=0,
        due_shard=shard_of(event_key), next_at=at, created_at=at)


def save_condition():
    return NotificationModel.pk.does_not_exist()


def get(pk: str) -> Notification | None:
    try:
        return _from(NotificationModel.get(pk, consistent_read=True))
    except DoesNotExist:
        return None


def by_notify_id(partner_id: str, nid: str) -> Notification | None:
    for m in NotificationModel.by_partner.query(partner_id, NotificationModel.notify_id == nid):
        return get(m.pk)
    return None


def due(now: datetime, limit: int) -> Iterator[Notification]:
    """PENDING notifications whose time has come (the index is eventually consistent:
    ``claim`` re-checks on the item itself)."""
    for m in across_shards(lambda shard, n: NotificationModel.due.query(
            shard, NotificationModel.next_at <= now, limit=n), limit):
        yield _from(m)


def claim(n: Notification, now: datetime) -> bool:
    """Take a lease on a due notification, so concurrent dispatchers never send it twice at once;
    a dispatcher that crashes mid-send loses the lease and the next run sends again."""
    return conditional_update(
        NotificationModel(n.pk),
        [NotificationModel.next_at.set(now + LEASE)],
        (NotificationModel.state == "PENDING") & (NotificationModel.next_at == n.next_at))


def delivered(n: Notification, now: datetime, status: int) -> bool:
    return conditional_update(
        NotificationModel(n.pk),
        [NotificationModel.state.set("DELIVERED"), NotificationModel.delivered_at.set(now),
         NotificationModel.attempts.add(1), NotificationModel.last_status.set(status),
         NotificationModel.due_shard.remove(), NotificationModel.next_at.remove()],
        NotificationModel.state == "PENDING")


def retry_later(n: Notification, next_at: datetime, status: int | None, error: str) -> bool:
    return conditional_update(
        NotificationModel(n.pk),
        [NotificationModel.next_at.set(next_at), NotificationModel.attempts.add(1),
         NotificationModel.last_status.set(status), NotificationModel.last_error.set(error[:200])],
        NotificationModel.state == "PENDING")


def give_up(n: Notification, status: int | None, error: str, abnormal_item) -> bool:
    """Retries exhausted: FAILED and the notify-failed abnormal order, together."""
    try:
        with transaction() as tw:
            tw.update(NotificationModel(n.pk),
                      actions=[NotificationModel.state.set("FAILED"),
                               NotificationModel.attempts.add(1),
                               NotificationModel.last_status.set(status),
                               NotificationModel.last_error.set(error[:200]),
                               NotificationModel.due_shard.remove(),
                               NotificationModel.next_at.remove()],
                      condition=NotificationModel.state == "PENDING")
            tw.save(abnormal_item, condition=abnormal_item.__class__.pk.does_not_exist())
        return True
    except ConditionFailed:
        return False


def resend(pk: str, now: datetime) -> bool:
    """An operator asks for another delivery: PENDING again, due now, retry count restarted."""
    return conditional_update(
        NotificationModel(pk),
        [NotificationModel.state.set("PENDING"), NotificationModel.attempts.set(0),
         NotificationModel.due_shard.set(shard_of(pk)), NotificationModel.next_at.set(now)],
        NotificationModel.pk.exists())


def list_for_partner(partner_id: str, since: str | None, limit: int) -> list[Notification]:
    cond = NotificationModel.notify_id > since if since else None
    return [_from(m) for m in NotificationModel.by_partner.query(
        partner_id, cond, limit=limit)]


def notify_failed_type(kind: str) -> AbnormalType:
    return AbnormalType.PAY_NOTIFY_FAILED if kind == "pay" else AbnormalType.REFUND_NOTIFY_FAILED
