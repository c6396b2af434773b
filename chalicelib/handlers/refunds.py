"""ISV refund endpoints: refund and refundQuery (SPEC §2.3, §3)."""
from __future__ import annotations

from ..errors import NotFoundError
from ..store import refunds as refund_store
from .context import CallContext
from .isv_contract import RefundData, RefundQueryRequest, RefundRequest
from .refund_service import RefundAsk, open_refund
from .wire import refund_data


def refund(ctx: CallContext, req: RefundRequest) -> RefundData:
    ask = RefundAsk(request_no=req.requestNo, refund_fee=req.refundFee, refund_no=req.refundNo,
                    payment_no=req.paymentNo, biz_data=req.bizData, notify_url=req.notify_url,
                    isv_id=ctx.isv.isv_id)
    return refund_data(open_refund(ctx.merchant, ask, ctx.now))


def refund_query(ctx: CallContext, req: RefundQueryRequest) -> RefundData:
    found = refund_store.get_refund(ctx.merchant.partner_id, req.requestNo)
    if found is None:
        raise NotFoundError("退款不存在")
    return refund_data(found)
