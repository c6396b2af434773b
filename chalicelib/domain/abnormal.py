"""Abnormal orders 异常订单 (SPEC §5, seed exceptions-handling.txt 二): types, reasons, handling."""
from __future__ import annotations

from enum import Enum


class AbnormalType(str, Enum):
    DUPLICATE_PAYMENT = "DUPLICATE_PAYMENT"
    PAID_AFTER_CLOSE = "PAID_AFTER_CLOSE"
    PAID_AFTER_EXPIRE = "PAID_AFTER_EXPIRE"
    PAY_NOTIFY_FAILED = "PAY_NOTIFY_FAILED"
    REFUND_NOTIFY_FAILED = "REFUND_NOTIFY_FAILED"
    REFUND_FAILED = "REFUND_FAILED"
    REFUND_QUERY_FAILED = "REFUND_QUERY_FAILED"


TYPE_NAMES = {
    AbnormalType.DUPLICATE_PAYMENT: "订单已支付",
    AbnormalType.PAID_AFTER_CLOSE: "订单已关闭",
    AbnormalType.PAID_AFTER_EXPIRE: "订单已超时",
    AbnormalType.PAY_NOTIFY_FAILED: "支付通知失败",
    AbnormalType.REFUND_NOTIFY_FAILED: "退款通知失败",
    AbnormalType.REFUND_FAILED: "退款失败",
    AbnormalType.REFUND_QUERY_FAILED: "退款查询失败",
}

# The seed's 产生原因 for each type.
REASONS = {
    AbnormalType.DUPLICATE_PAYMENT: "订单重复支付",
    AbnormalType.PAID_AFTER_CLOSE: "商户关闭订单后用户完成支付",
    AbnormalType.PAID_AFTER_EXPIRE: "用户在订单超时时间后支付",
    AbnormalType.PAY_NOTIFY_FAILED: "用户支付后，支付服务通知业务服务失败",
    AbnormalType.REFUND_NOTIFY_FAILED: "商户发起退款成功后，支付服务通知业务服务失败",
    AbnormalType.REFUND_QUERY_FAILED: "退款查询补偿失败，退款状态为非成功",
}

ABNORMAL_PAYMENTS = (AbnormalType.DUPLICATE_PAYMENT, AbnormalType.PAID_AFTER_CLOSE,
                     AbnormalType.PAID_AFTER_EXPIRE)


def auto_refund_failed_reason(source: AbnormalType) -> str:
    """Seed 2.6.2: ``[订单已支付], 自动退款校验失败`` etc."""
    return f"[{TYPE_NAMES[source]}], 自动退款校验失败"


class Status(str, Enum):
    UNHANDLED = "UNHANDLED"    # 未处理
    HANDLED = "HANDLED"        # 已处理


class Handling(str, Enum):
    MARK_HANDLED = "MARK_HANDLED"                  # 已处理
    MARK_OFFLINE_REFUNDED = "MARK_OFFLINE_REFUNDED"  # 已线下退款
    REFUND = "REFUND"                              # 退款


HANDLING_NAMES = {Handling.MARK_HANDLED: "已处理", Handling.MARK_OFFLINE_REFUNDED: "已线下退款",
                  Handling.REFUND: "退款"}


def abnormal_key(kind: AbnormalType, cause: str) -> str:
    """One record per (type, cause): the database refuses a second one."""
    return f"{kind.value}#{cause}"
