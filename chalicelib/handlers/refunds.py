"""ISV refund endpoints: refund and refundQuery (SPEC §2.3, §3)."""
from __future__ import annotations

from ..clock import to_wire
from ..domain.channels import rules_for
from ..domain.ids import new_out_refund_no
from ..domain.refunds import Refund, RefundState, check_refund
from ..errors import ChannelRuleError, ConflictError, NotFoundError, OverRefundError
from ..logs import log
from ..money import fen_to_yuan
from ..store import orders as order_store
from ..store import refunds as refund_store
from ..store.db import retrying
from . import settlement
from .context import CallContext
from .isv_contract import RefundData, RefundQueryRequest, RefundRequest


def refund_data(r: Refund) -> RefundData:
    return RefundData(
        tradeStatus=r.trade_status, refundFee=fen_to_yuan(r.refund_fee),
        failedReason=r.failed_reason if r.status is RefundState.FAILED else None,
        outRefundNo=r.out_refund_no, requestNo=r.request_no, channelType=r.channel,
        channelProduct=r.product, refundNo=r.refund_no, outPaymentNo=r.out_payment_no,
        inPaymentNo=r.in_payment_no, paymentNo=r.payment_no, refundTime=to_wire(r.refund_time),
        bizData=r.biz_data)


def _same_request(existing: Refund, req: RefundRequest) -> RefundData:
    """A retried requestNo: the first refund, or 2001 if the content differs."""
    if (existing.refund_fee != req.refundFee or existing.payment_no != req.paymentNo
            or existing.refund_no != req.refundNo):
        raise ConflictError("相同 requestNo 的退款请求内容不一致")
    return refund_data(existing)


def refund(ctx: CallContext, req: RefundRequest) -> RefundData:
    partner_id = ctx.merchant.partner_id
    existing = refund_store.get_refund(partner_id, req.requestNo)
    if existing is not None:
        return _same_request(existing, req)
    order = order_store.get_order(partner_id, req.paymentNo)
    if order is None:
        raise NotFoundError("订单不存在")
    attempt = order_store.get_attempt(order.paid_attempt) if order.paid_attempt else None
    channel = attempt.channel if attempt else "ali"
    rules = rules_for(channel, ctx.merchant.refund_window_days)
    check_refund(order, req.refundFee, rules, ctx.now)
    account = ctx.merchant.channel_accounts.get(channel) or partner_id
    if rules.refunds_per_second and not refund_store.take_rate_slot(
            f"refund-rate#{channel}#{account}", ctx.now, rules.refunds_per_second):
        raise ChannelRuleError("渠道退款请求过于频繁，请稍后重试")
    new = Refund(
        partner_id=partner_id, request_no=req.requestNo, out_refund_no=new_out_refund_no(ctx.now),
        payment_no=order.payment_no, out_payment_no=attempt.out_payment_no,
        channel=attempt.channel, product=attempt.product, refund_fee=req.refundFee,
        refund_no=req.refundNo, status=RefundState.PROCESSING, created_at=ctx.now,
        in_payment_no=attempt.in_payment_no, biz_data=req.bizData, notify_url=req.notify_url)
    try:
        retrying(lambda: refund_store.create_refund(new, rules.max_partial_refunds))
    except refund_store.RefundExists:
        return _same_request(refund_store.get_refund(partner_id, req.requestNo), req)
    except refund_store.NotRefundable:
        # Concurrent refunds took the amount (or the order changed): explain from fresh data.
        fresh = order_store.get_order(partner_id, req.paymentNo)
        check_refund(fresh, req.refundFee, rules, ctx.now)
        raise OverRefundError("退款金额超过可退金额") from None
    log("refund.created", partnerId=partner_id, requestNo=req.requestNo,
        outRefundNo=new.out_refund_no, fee=req.refundFee)
    # Only the request that created the refund talks to the channel: retries never do.
    return refund_data(settlement.send_refund(new, attempt.trade_fee, ctx.now))


def refund_query(ctx: CallContext, req: RefundQueryRequest) -> RefundData:
    found = refund_store.get_refund(ctx.merchant.partner_id, req.requestNo)
    if found is None:
        raise NotFoundError("退款不存在")
    return refund_data(found)
