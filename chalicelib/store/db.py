"""Connection and transaction helpers shared by the repositories."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ..clock import CST
from ..config import settings


_connections: dict[tuple, Connection] = {}


def connection() -> Connection:
    """One shared connection per endpoint: a botocore client is costly to build, safe to share."""
    cfg = settings()
    key = (cfg.region, cfg.aws_endpoint)
    conn = _connections.get(key)
    if conn is None:
        conn = _connections[key] = Connection(region=cfg.region, host=cfg.aws_endpoint,
                                              max_pool_connections=50)
    return conn


class ConditionFailed(Exception):
    """A conditional write or transaction lost: ``failed`` holds the indexes that failed."""

    def __init__(self, failed: list[int]):
        super().__init__(f"condition failed at {failed}")
        self.failed = failed


class Conflict(Exception):
    """DynamoDB cancelled a transaction because another one touched the same item: retry."""


@contextmanager
def transaction() -> Iterator[TransactWrite]:
    try:
        with TransactWrite(connection=connection()) as tw:
            yield tw
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons or []
        failed = [i for i, r in enumerate(reasons)
                  if r is not None and r.code == "ConditionalCheckFailed"]
        if failed:
            raise ConditionFailed(failed) from exc
        if any(r is not None and r.code == "TransactionConflict" for r in reasons):
            raise Conflict(str(exc)) from exc
        raise


def retrying(fn, attempts: int = 5):
    """Run ``fn`` again when a transaction was cancelled by a concurrent one."""
    for i in range(attempts):
        try:
            return fn()
        except Conflict:
            if i == attempts - 1:
                raise


def cst(dt: datetime | None) -> datetime | None:
    return None if dt is None else dt.astimezone(CST)


def conditional_update(item, actions: list, condition) -> bool:
    """One conditional update; False when the condition does not hold (someone got there first)."""
    try:
        item.update(actions=actions, condition=condition)
        return True
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
