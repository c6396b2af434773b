"""Orders and payment attempts: states and the decisions about them (SPEC §3)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from ..errors import ConflictError, StateError


class OrderState(str, Enum):
    WAIT_PAY = "WAIT_PAY"
    PAID = "PAID"
    CLOSED = "CLOSED"
    EXPIRED = "EXPIRED"
    FAILED = "FAILED"


class AttemptState(str, Enum):
    WAIT_PAY = "WAIT_PAY"
    PAID = "PAID"
    FAILED = "FAILED"
    CLOSED = "CLOSED"
    EXPIRED = "EXPIRED"


class Abnormal(str, Enum):
    """Why a paid attempt is not the order's payment (SPEC §5)."""
    DUPLICATE_PAYMENT = "DUPLICATE_PAYMENT"
    PAID_AFTER_CLOSE = "PAID_AFTER_CLOSE"
    PAID_AFTER_EXPIRE = "PAID_AFTER_EXPIRE"


FINAL_ATTEMPT_STATES = {AttemptState.PAID, AttemptState.FAILED, AttemptState.CLOSED,
                        AttemptState.EXPIRED}


@dataclass
class Order:
    partner_id: str
    payment_no: str
    biz_type: str                      # scan_pay | barcode_pay
    trade_fee: int
    subject: str
    expire_at: datetime
    status: OrderState
    current_attempt: str | None
    created_at: datetime
    paid_attempt: str | None = None
    paid_fee: int = 0
    refundable_fee: int = 0            # paid minus every refund not FAILED
    refunded_fee: int = 0              # successful refunds only
    refund_count: int = 0
    paid_at: datetime | None = None
    district_id: str | None = None
    source_type: str | None = None
    biz_data: str | None = None
    notify_url: str | None = None
    isv_id: str | None = None

    @property
    def key(self) -> str:
        return order_key(self.partner_id, self.payment_no)

    @property
    def order_status(self) -> str:
        """The ISV-facing orderStatus: refunds are derived from the amounts."""
        if self.status is OrderState.PAID and self.refunded_fee:
            return "REFUNDED" if self.refunded_fee >= self.paid_fee else "PART_REFUNDED"
        return self.status.value


def order_key(partner_id: str, payment_no: str) -> str:
    return f"{partner_id}#{payment_no}"


@dataclass
class Attempt:
    out_payment_no: str
    partner_id: str
    payment_no: str
    channel: str
    product: str
    mode: str                          # scan | barcode
    trade_fee: int
    status: AttemptState
    created_at: datetime
    expire_at: datetime
    in_payment_no: str | None = None
    pay_url: str | None = None
    paid_at: datetime | None = None
    last_sync_at: datetime | None = None
    abnormal: Abnormal | None = None
    fail_reason: str | None = None
    auth_code_mask: str | None = None
    refundable_fee: int = 0            # abnormal payments only: refunded on the attempt itself
    refunded_fee: int = 0
    sync_count: int = 0

    @property
    def order_key(self) -> str:
        return order_key(self.partner_id, self.payment_no)


@dataclass(frozen=True)
class PaymentRequest:
    """What an ISV asked for in scancode/barcode, in domain terms."""
    partner_id: str
    payment_no: str
    biz_type: str
    product: str
    channel: str
    trade_fee: int
    subject: str
    expire_at: datetime
    district_id: str | None = None
    source_type: str | None = None
    biz_data: str | None = None
    notify_url: str | None = None
    auth_code: str | None = None


class CreateAction(str, Enum):
    NEW_ORDER = "NEW_ORDER"            # first time this paymentNo is seen
    SAME_ATTEMPT = "SAME_ATTEMPT"      # idempotent repeat: answer with the waiting attempt
    NEW_ATTEMPT = "NEW_ATTEMPT"        # another product / a retry after failure


def decide_create(order: Order | None, current: Attempt | None,
                  req: PaymentRequest) -> CreateAction:
    """What a scancode/barcode call does to an existing order (SPEC §2.3)."""
    if order is None:
        return CreateAction.NEW_ORDER
    if order.trade_fee != req.trade_fee or order.subject != req.subject:
        raise ConflictError("相同 paymentNo 的订单金额或标题不一致")
    if order.biz_type != req.biz_type:
        raise ConflictError("相同 paymentNo 已用于另一种支付方式")
    if order.status is OrderState.PAID:
        raise StateError("订单已支付")
    if order.status is OrderState.CLOSED:
        raise StateError("订单已关闭")
    if order.status is OrderState.EXPIRED:
        raise StateError("订单已超时")
    if (req.biz_type == "scan_pay" and current is not None
            and current.status is AttemptState.WAIT_PAY and current.product == req.product):
        return CreateAction.SAME_ATTEMPT
    if (req.biz_type == "barcode_pay" and current is not None
            and current.status is AttemptState.WAIT_PAY):
        # A barcode payment still waiting for the patient's password: never charge twice.
        return CreateAction.SAME_ATTEMPT
    return CreateAction.NEW_ATTEMPT


class PaymentOutcome(str, Enum):
    ORDER_PAID = "ORDER_PAID"          # the order is paid by this attempt
    ALREADY = "ALREADY"                # the same success again (duplicate notification)
    ABNORMAL = "ABNORMAL"              # money arrived but the order cannot take it


def classify_payment(order: Order, attempt: Attempt) -> tuple[PaymentOutcome, Abnormal | None]:
    """A channel reports ``attempt`` paid: what does that mean for the order? (SPEC §3, §5)"""
    if attempt.status is AttemptState.PAID:
        return PaymentOutcome.ALREADY, attempt.abnormal
    if order.status is OrderState.PAID:
        return PaymentOutcome.ABNORMAL, Abnormal.DUPLICATE_PAYMENT
    if attempt.status is AttemptState.EXPIRED or order.status is OrderState.EXPIRED:
        return PaymentOutcome.ABNORMAL, Abnormal.PAID_AFTER_EXPIRE
    if attempt.status is AttemptState.CLOSED or order.status is OrderState.CLOSED:
        return PaymentOutcome.ABNORMAL, Abnormal.PAID_AFTER_CLOSE
    return PaymentOutcome.ORDER_PAID, None


def trade_status(order: Order) -> str:
    if order.status is OrderState.PAID:
        return "pay_success"
    if order.status is OrderState.WAIT_PAY:
        return "wait_pay"
    return "pay_failed"


def attempt_trade_status(attempt: Attempt) -> str:
    if attempt.status is AttemptState.PAID:
        return "pay_success"
    if attempt.status is AttemptState.WAIT_PAY:
        return "wait_pay"
    return "pay_failed"
