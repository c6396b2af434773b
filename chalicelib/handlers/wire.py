"""Wire views of orders and refunds, shared by the endpoints and the notifications (SPEC §4:
a notification carries the query / refundQuery ``data`` fields)."""
from __future__ import annotations

from ..clock import to_wire
from ..domain.orders import Attempt, Order, attempt_trade_status, trade_status
from ..domain.refunds import Refund, RefundState
from ..money import fen_to_yuan
from .isv_contract import QueryData, RefundData


def attempt_fields(order: Order, attempt: Attempt) -> dict:
    """The payment fields every payment answer has, as one attempt of the order sees them."""
    return dict(
        tradeStatus=attempt_trade_status(attempt), outPaymentNo=attempt.out_payment_no,
        inPaymentNo=attempt.in_payment_no, paymentNo=order.payment_no,
        channelType=attempt.channel, channelProduct=attempt.product,
        tradeFee=fen_to_yuan(attempt.trade_fee), paymentTime=to_wire(attempt.paid_at),
        bizData=order.biz_data)


def query_data(order: Order, attempt: Attempt) -> QueryData:
    """query's answer: the order's status and amounts over its current (or paid) attempt."""
    return QueryData(**{
        **attempt_fields(order, attempt), "tradeStatus": trade_status(order),
        "tradeFee": fen_to_yuan(order.trade_fee), "paymentTime": to_wire(order.paid_at),
        "refundedFee": fen_to_yuan(order.refunded_fee), "orderStatus": order.order_status})


def refund_data(r: Refund) -> RefundData:
    return RefundData(
        tradeStatus=r.trade_status, refundFee=fen_to_yuan(r.refund_fee),
        failedReason=r.failed_reason if r.status is RefundState.FAILED else None,
        outRefundNo=r.out_refund_no, requestNo=r.request_no, channelType=r.channel,
        channelProduct=r.product, refundNo=r.refund_no, outPaymentNo=r.out_payment_no,
        inPaymentNo=r.in_payment_no, paymentNo=r.payment_no, refundTime=to_wire(r.refund_time),
        bizData=r.biz_data)
