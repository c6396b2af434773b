"""The one interface every channel adapter implements (SPEC §9), and its result values.

Adapters never raise for a business answer: they return a result whose ``state`` says what the
channel said. They raise ``ChannelDown`` only when the request certainly did not reach the
channel (connection refused), so the caller may answer 3001 "nothing was done". A timeout or a
garbled answer is ``UNKNOWN``: money may have moved, and the truth is found by querying.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol


class ChannelDown(Exception):
    """The request did not reach the channel; nothing was done there."""


class PayState(str, Enum):
    SUCCESS = "SUCCESS"
    WAITING = "WAITING"        # created / the patient is entering the password
    FAILED = "FAILED"
    CLOSED = "CLOSED"          # closed or reversed at the channel
    NOT_FOUND = "NOT_FOUND"
    UNKNOWN = "UNKNOWN"        # timeout or unreadable answer


class RefundOutcome(str, Enum):
    SUCCESS = "SUCCESS"
    ACCEPTED = "ACCEPTED"
    FAILED = "FAILED"
    NOT_FOUND = "NOT_FOUND"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class PayResult:
    state: PayState
    in_payment_no: str | None = None
    paid_at: datetime | None = None
    pay_url: str | None = None
    fee: int | None = None
    message: str | None = None


@dataclass(frozen=True)
class RefundResult:
    state: RefundOutcome
    channel_refund_id: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class ChannelNotice:
    """A verified asynchronous notification from a channel."""
    kind: str                  # pay | refund
    channel: str
    merchant_account: str      # the hospital's merchant id at the channel
    out_payment_no: str
    fee: int
    state: str                 # PayState / RefundOutcome value
    in_payment_no: str | None = None
    paid_at: datetime | None = None
    out_refund_no: str | None = None
    channel_refund_id: str | None = None


class BadNotice(Exception):
    """Signature or shape of a channel notification is wrong."""


class ChannelGateway(Protocol):
    channel: str

    def pay_scan(self, out_payment_no: str, account: str, fee: int, subject: str,
                 expire_at: datetime) -> PayResult: ...

    def pay_barcode(self, out_payment_no: str, account: str, fee: int, subject: str,
                    auth_code: str) -> PayResult: ...

    def query(self, out_payment_no: str) -> PayResult: ...

    def close(self, out_payment_no: str) -> PayResult: ...

    def reverse(self, out_payment_no: str) -> PayResult: ...

    def refund(self, out_payment_no: str, out_refund_no: str, refund_fee: int,
               total_fee: int) -> RefundResult: ...

    def refund_query(self, out_refund_no: str) -> RefundResult: ...

    def parse_notify(self, body: bytes, headers: dict[str, str]) -> ChannelNotice: ...
