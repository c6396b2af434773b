"""One PynamoDB model per table. The local stack and the CloudFormation template are both built
from these definitions (store.tables), so the two can never drift apart."""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from ..config import settings


def _meta(short: str) -> type:
    cfg = settings()
    attrs = {
        "table_name": cfg.table_name(short),
        "region": cfg.region,
        "billing_mode": "PAY_PER_REQUEST",
        "max_retry_attempts": 3,
        "max_pool_connections": 50,
    }
    if cfg.aws_endpoint:
        attrs["host"] = cfg.aws_endpoint
    return type("Meta", (), attrs)


def _index_meta(name: str) -> type:
    return type("Meta", (), {"index_name": name, "projection": AllProjection(),
                             "billing_mode": "PAY_PER_REQUEST"})


class MerchantModel(Model):
    Meta = _meta("merchants")
    partner_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    enabled = BooleanAttribute(default=True)
    notify_url = UnicodeAttribute(null=True)
    his_query_url = UnicodeAttribute(null=True)
    auto_refund = BooleanAttribute(default=False)
    # channel -> refund window in days, overriding the channel default
    refund_window_days = MapAttribute(default=dict)
    # [{"windowMinutes": N | 0 (= one day), "maxCount": n, "maxAmount": fen}]
    risk_rules = UnicodeAttribute(null=True)          # JSON list
    maker_checker_fen = NumberAttribute(null=True)
    # channel -> the hospital's merchant id at that channel (checked on callbacks)
    channel_accounts = MapAttribute(default=dict)
    created_at = UTCDateTimeAttribute()


class IsvModel(Model):
    Meta = _meta("isvs")
    isv_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    # Signing key. The table is encrypted at rest with a KMS key in AWS (infra); never logged.
    sign_key = UnicodeAttribute()
    enabled = BooleanAttribute(default=True)
    partner_ids = UnicodeSetAttribute(default=set)
    created_at = UTCDateTimeAttribute()


class OrdersByPartner(GlobalSecondaryIndex):
    Meta = _index_meta("by_partner")
    partner_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class OrderModel(Model):
    Meta = _meta("orders")
    pk = UnicodeAttribute(hash_key=True)            # partnerId#paymentNo
    partner_id = UnicodeAttribute()
    payment_no = UnicodeAttribute()
    biz_type = UnicodeAttribute()
    trade_fee = NumberAttribute()
    subject = UnicodeAttribute()
    expire_at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    current_attempt = UnicodeAttribute(null=True)
    paid_attempt = UnicodeAttribute(null=True)
    paid_fee = NumberAttribute(default=0)
    refundable_fee = NumberAttribute(default=0)
    refunded_fee = NumberAttribute(default=0)
    refund_count = NumberAttribute(default=0)
    paid_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    district_id = UnicodeAttribute(null=True)
    source_type = UnicodeAttribute(null=True)
    biz_data = UnicodeAttribute(null=True)
    notify_url = UnicodeAttribute(null=True)
    isv_id = UnicodeAttribute(null=True)
    by_partner = OrdersByPartner()


class WaitingAttempts(GlobalSecondaryIndex):
    Meta = _index_meta("waiting")
    waiting_shard = UnicodeAttribute(hash_key=True)
    next_sync_at = UTCDateTimeAttribute(range_key=True)


class AttemptsByOrder(GlobalSecondaryIndex):
    Meta = _index_meta("by_order")
    order_pk = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class AttemptModel(Model):
    Meta = _meta("attempts")
    out_payment_no = UnicodeAttribute(hash_key=True)
    order_pk = UnicodeAttribute()
    partner_id = UnicodeAttribute()
    payment_no = UnicodeAttribute()
    channel = UnicodeAttribute()
    product = UnicodeAttribute()
    mode = UnicodeAttribute()
    trade_fee = NumberAttribute()
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    expire_at = UTCDateTimeAttribute()
    in_payment_no = UnicodeAttribute(null=True)
    pay_url = UnicodeAttribute(null=True)
    paid_at = UTCDateTimeAttribute(null=True)
    last_sync_at = UTCDateTimeAttribute(null=True)
    abnormal = UnicodeAttribute(null=True)
    fail_reason = UnicodeAttribute(null=True)
    auth_code_mask = UnicodeAttribute(null=True)
    # Abnormal payments are refunded on their own attempt (never from the order's amount).
    refundable_fee = NumberAttribute(default=0)
    refunded_fee = NumberAttribute(default=0)
    # Present only while WAIT_PAY: the order-sync job finds its work through this sparse index.
    waiting_shard = UnicodeAttribute(null=True)
    next_sync_at = UTCDateTimeAttribute(null=True)
    sync_count = NumberAttribute(default=0)
    by_order = AttemptsByOrder()
    waiting = WaitingAttempts()


class PendingRefunds(GlobalSecondaryIndex):
    Meta = _index_meta("pending")
    pending_shard = UnicodeAttribute(hash_key=True)
    next_poll_at = UTCDateTimeAttribute(range_key=True)


class RefundsByOutRefundNo(GlobalSecondaryIndex):
    Meta = _index_meta("by_out_refund_no")
    out_refund_no = UnicodeAttribute(hash_key=True)


class RefundsByOrder(GlobalSecondaryIndex):
    Meta = _index_meta("by_order")
    order_pk = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class RefundModel(Model):
    Meta = _meta("refunds")
    pk = UnicodeAttribute(hash_key=True)            # partnerId#requestNo: requestNo is unique
    partner_id = UnicodeAttribute()
    request_no = UnicodeAttribute()
    out_refund_no = UnicodeAttribute()
    order_pk = UnicodeAttribute()
    payment_no = UnicodeAttribute()
    out_payment_no = UnicodeAttribute()
    in_payment_no = UnicodeAttribute(null=True)
    channel = UnicodeAttribute()
    product = UnicodeAttribute()
    refund_fee = NumberAttribute()
    refund_no = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    refund_time = UTCDateTimeAttribute(null=True)
    failed_reason = UnicodeAttribute(null=True)
    biz_data = UnicodeAttribute(null=True)
    notify_url = UnicodeAttribute(null=True)
    channel_refund_id = UnicodeAttribute(null=True)
    channel_calls = NumberAttribute(default=0)
    target = UnicodeAttribute(default="order")       # order | attempt (abnormal payment)
    origin = UnicodeAttribute(default="isv")         # isv | auto | operator
    hold_reason = UnicodeAttribute(null=True)
    isv_id = UnicodeAttribute(null=True)
    # Present only while PROCESSING/ACCEPTED: the refund poller's sparse index.
    pending_shard = UnicodeAttribute(null=True)
    next_poll_at = UTCDateTimeAttribute(null=True)
    poll_count = NumberAttribute(default=0)
    by_out_refund_no = RefundsByOutRefundNo()
    by_order = RefundsByOrder()
    pending = PendingRefunds()


class NotificationsByPartner(GlobalSecondaryIndex):
    Meta = _index_meta("by_partner")
    partner_id = UnicodeAttribute(hash_key=True)
    notify_id = UnicodeAttribute(range_key=True)


class DueNotifications(GlobalSecondaryIndex):
    Meta = _index_meta("due")
    due_shard = UnicodeAttribute(hash_key=True)
    next_at = UTCDateTimeAttribute(range_key=True)


class NotificationModel(Model):
    """The outbox: written in the same transaction as the state change it announces."""
    Meta = _meta("notifications")
    pk = UnicodeAttribute(hash_key=True)             # pay#outPaymentNo | refund#outRefundNo
    notify_id = UnicodeAttribute()
    partner_id = UnicodeAttribute()
    isv_id = UnicodeAttribute(null=True)
    kind = UnicodeAttribute()                         # pay | refund
    url = UnicodeAttribute(null=True)                 # per-order URL; else the merchant's
    payload = UnicodeAttribute()                      # JSON of the data fields
    state = UnicodeAttribute()                        # PENDING | DELIVERED | FAILED
    attempts = NumberAttribute(default=0)
    due_shard = UnicodeAttribute(null=True)           # present only while PENDING
    next_at = UTCDateTimeAttribute(null=True)
    last_status = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    delivered_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    by_partner = NotificationsByPartner()
    due = DueNotifications()


class AbnormalByPartner(GlobalSecondaryIndex):
    Meta = _index_meta("by_partner")
    partner_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class AbnormalByDay(GlobalSecondaryIndex):
    Meta = _index_meta("by_day")
    day = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class AutoRefundDue(GlobalSecondaryIndex):
    Meta = _index_meta("auto_refund")
    auto_due = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class AbnormalModel(Model):
    """Abnormal orders 异常订单: one per (type, cause), enforced by the key."""
    Meta = _meta("abnormal")
    pk = UnicodeAttribute(hash_key=True)              # TYPE#cause
    kind = UnicodeAttribute()
    reason = UnicodeAttribute()
    partner_id = UnicodeAttribute()
    payment_no = UnicodeAttribute(null=True)
    out_payment_no = UnicodeAttribute(null=True)
    out_refund_no = UnicodeAttribute(null=True)
    request_no = UnicodeAttribute(null=True)
    amount = NumberAttribute()
    status = UnicodeAttribute()                       # UNHANDLED | HANDLED
    handling = UnicodeAttribute(null=True)
    operator = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    day = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    auto_due = UnicodeAttribute(null=True)            # present while an auto-refund is to try
    auto_refund_request_no = UnicodeAttribute(null=True)
    by_partner = AbnormalByPartner()
    by_day = AbnormalByDay()
    auto_refund = AutoRefundDue()


class CounterModel(Model):
    """Rate counters (e.g. WeChat refunds per second per channel merchant); expire by TTL."""
    Meta = _meta("counters")
    pk = UnicodeAttribute(hash_key=True)
    hits = NumberAttribute(default=0)
    amount = NumberAttribute(null=True)               # fen used in this window (risk rules)
    expires = TTLAttribute(null=True)


class UserModel(Model):
    """Console users (the operations API arrives with the console issue)."""
    Meta = _meta("users")
    username = UnicodeAttribute(hash_key=True)
    password_hash = UnicodeAttribute()
    role = UnicodeAttribute()
    partner_ids = UnicodeSetAttribute(null=True)     # empty = all merchants
    phone = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute()


class SessionModel(Model):
    """Console sessions: the token's SHA-256, never the token; expire by TTL and by check."""
    Meta = _meta("sessions")
    token_hash = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    expires = TTLAttribute()


class OtpModel(Model):
    """One-time codes (验证码) for money-moving actions: hashed, short-lived, single use."""
    Meta = _meta("otps")
    pk = UnicodeAttribute(hash_key=True)             # username#purpose
    code_hash = UnicodeAttribute()
    tries = NumberAttribute(default=0)
    expires = TTLAttribute()


class ProposalModel(Model):
    """Maker-checker: a money-moving action waiting for a second person."""
    Meta = _meta("proposals")
    proposal_id = UnicodeAttribute(hash_key=True)
    partner_id = UnicodeAttribute()
    action = UnicodeAttribute()                       # JSON of what to do
    amount = NumberAttribute()
    maker = UnicodeAttribute()
    status = UnicodeAttribute()                       # PROPOSED | APPROVED | REJECTED
    checker = UnicodeAttribute(null=True)
    result = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    decided_at = UTCDateTimeAttribute(null=True)


class AuditByDay(GlobalSecondaryIndex):
    Meta = _index_meta("by_day")
    day = UnicodeAttribute(hash_key=True)
    at = UTCDateTimeAttribute(range_key=True)


class AuditModel(Model):
    """Append-only audit log: written with a does-not-exist condition, never updated."""
    Meta = _meta("audit")
    audit_id = UnicodeAttribute(hash_key=True)
    at = UTCDateTimeAttribute()
    day = UnicodeAttribute()
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    target = UnicodeAttribute()
    partner_id = UnicodeAttribute(null=True)
    before = UnicodeAttribute(null=True)
    after = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    by_day = AuditByDay()


ALL_MODELS: tuple[type[Model], ...] = (
    MerchantModel, IsvModel, OrderModel, AttemptModel, RefundModel, NotificationModel,
    AbnormalModel, CounterModel, UserModel, SessionModel, OtpModel, ProposalModel, AuditModel,
)
TTL_ATTRIBUTES = {CounterModel: "expires", SessionModel: "expires", OtpModel: "expires"}
