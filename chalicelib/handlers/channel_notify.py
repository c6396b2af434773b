"""Channel callbacks ``POST /notify/{channel}`` (SPEC §3): verify, check, apply once, answer fast.

The answer tells the channel whether to retry: ``success`` when the notice is handled (including
every duplicate), ``fail`` with a 4xx when it is forged or does not match our records.
"""
from __future__ import annotations

import logging

from ..channels.gateway import BadNotice, PayResult, PayState, RefundOutcome, RefundResult
from ..channels.registry import gateway
from ..clock import now
from ..domain.channels import CHANNELS
from ..logs import log
from ..store import orders as order_store
from ..store import refunds as refund_store
from ..store.parties import get_merchant
from . import settlement

OK = (200, "success")


def handle(channel: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, str]:
    if channel not in CHANNELS:
        return 404, "fail"
    try:
        notice = gateway(channel).parse_notify(body or b"", headers)
    except BadNotice as exc:
        log("notify.rejected", level=logging.WARNING, channel=channel, reason=str(exc))
        return 400, "fail"
    attempt = order_store.get_attempt(notice.out_payment_no)
    if attempt is None or attempt.channel != channel:
        log("notify.unknown_trade", level=logging.WARNING, channel=channel,
            outPaymentNo=notice.out_payment_no)
        return 404, "fail"
    merchant = get_merchant(attempt.partner_id)
    expected_account = (merchant.channel_accounts.get(channel) if merchant else None) \
        or attempt.partner_id
    if notice.merchant_account != expected_account:
        log("notify.merchant_mismatch", level=logging.ERROR, channel=channel,
            outPaymentNo=notice.out_payment_no)
        return 400, "fail"
    at = now()
    if notice.kind == "pay":
        if notice.fee != attempt.trade_fee:
            log("notify.amount_mismatch", level=logging.ERROR, channel=channel,
                outPaymentNo=notice.out_payment_no, fee=notice.fee, expected=attempt.trade_fee)
            return 400, "fail"
        order = order_store.get_order(attempt.partner_id, attempt.payment_no)
        settlement.apply_pay_result(order, attempt, PayResult(
            PayState(notice.state), notice.in_payment_no, notice.paid_at), at)
        return OK
    refund = refund_store.get_refund_by_out_refund_no(notice.out_refund_no or "")
    if refund is None or refund.out_payment_no != attempt.out_payment_no:
        log("notify.unknown_refund", level=logging.WARNING, channel=channel,
            outRefundNo=notice.out_refund_no)
        return 404, "fail"
    if notice.fee != refund.refund_fee:
        log("notify.amount_mismatch", level=logging.ERROR, channel=channel,
            outRefundNo=notice.out_refund_no, fee=notice.fee, expected=refund.refund_fee)
        return 400, "fail"
    settlement.settle_refund(refund, RefundResult(RefundOutcome(notice.state),
                                                  notice.channel_refund_id), at)
    return OK
