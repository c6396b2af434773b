"""Refunds: states, the checks before a refund is sent, and the ISV-facing status (SPEC §2.3, §3)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from ..errors import ChannelRuleError, OverRefundError, StateError
from ..money import fen_to_yuan
from .channels import ChannelRules
from .orders import Order, OrderState


class RefundState(str, Enum):
    PROCESSING = "PROCESSING"          # sent, outcome unknown
    ACCEPTED = "ACCEPTED"              # accepted by the channel, will succeed
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    RISK_HOLD = "RISK_HOLD"


OPEN_REFUND_STATES = {RefundState.PROCESSING, RefundState.ACCEPTED}

_TRADE_STATUS = {
    RefundState.PROCESSING: "refund_exception",
    RefundState.ACCEPTED: "refund_apply_success",
    RefundState.SUCCESS: "refund_success",
    RefundState.FAILED: "refund_failed",
    RefundState.RISK_HOLD: "refund_exception",
}


@dataclass
class Refund:
    partner_id: str
    request_no: str
    out_refund_no: str
    payment_no: str
    out_payment_no: str
    channel: str
    product: str
    refund_fee: int
    refund_no: str
    status: RefundState
    created_at: datetime
    in_payment_no: str | None = None
    failed_reason: str | None = None
    refund_time: datetime | None = None
    biz_data: str | None = None
    notify_url: str | None = None
    channel_refund_id: str | None = None
    channel_calls: int = 0
    target: str = "order"              # order | attempt (an abnormal payment's own money)
    origin: str = "isv"                # isv | auto | operator
    hold_reason: str | None = None
    poll_count: int = 0
    isv_id: str | None = None          # whose key signs its notification

    @property
    def notifies(self) -> bool:
        """Refunds the business service asked for (or an operator made for it) are notified;
        the platform's own refunds of abnormal payments are not theirs to hear about."""
        return self.target == "order"

    @property
    def trade_status(self) -> str:
        return _TRADE_STATUS[self.status]


FIRST_POLL = timedelta(seconds=10)
_POLL_BACKOFF = (10, 30, 60, 120, 300, 600, 1800, 3600)
QUERY_GIVE_UP = timedelta(days=2)


def next_poll(poll_count: int, now: datetime) -> datetime:
    """Back-off between refund queries: 10 s, 30 s, 1 m … then hourly."""
    return now + timedelta(seconds=_POLL_BACKOFF[min(poll_count, len(_POLL_BACKOFF) - 1)])


def check_refund(order: Order, fee: int, rules: ChannelRules, now: datetime) -> None:
    """Raise the ISV error that forbids refunding ``fee`` of ``order`` now, if any."""
    if order.status is not OrderState.PAID or order.paid_at is None:
        raise StateError("订单未支付，不能退款")
    if fee > order.refundable_fee:
        raise OverRefundError(
            f"退款金额超过可退金额（可退 {fen_to_yuan(order.refundable_fee)} 元）")
    if now - order.paid_at > timedelta(days=rules.refund_window_days):
        raise ChannelRuleError(f"已超过渠道退款期限（{rules.refund_window_days} 天）")
    if rules.max_partial_refunds is not None and order.refund_count >= rules.max_partial_refunds:
        raise ChannelRuleError(f"部分退款次数已达渠道上限（{rules.max_partial_refunds} 次）")
