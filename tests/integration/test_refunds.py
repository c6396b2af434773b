"""refund and refundQuery: amounts, idempotency, channel outcomes and channel rules."""
from datetime import timedelta

import pytest
import requests

from chalicelib.store import orders as order_store
from chalicelib.store import refunds as refund_store
from tests.integration.conftest import eventually, expire_in


@pytest.fixture
def paid(api, simulator):
    """A paid 10.00 yuan WeChat scan-code order P1; returns its outPaymentNo."""
    data = api.ok("scancode", paymentNo="P1", channelProduct="ten_scan_code", tradeFee="10.00",
                  subject="门诊缴费", expireTime=expire_in())
    requests.post(data["payUrl"], json={"action": "pay"}, timeout=5)
    assert eventually(lambda: order_store.get_order("12345", "P1").status.value == "PAID")
    simulator.delivered.clear()
    return data["outPaymentNo"]


def refund(api, request_no, fee, payment_no="P1", refund_no=None):
    return api.call("refund", paymentNo=payment_no, bizType="scan_pay", requestNo=request_no,
                    refundNo=refund_no or f"H{request_no}", refundFee=fee)


def channel_refund_calls(simulator):
    return sum(v for k, v in simulator.calls.items() if k[1] == "refund")


def test_partial_refunds_add_up_and_over_refund_is_refused(api, paid):
    first = refund(api, "R1", "3.00")["data"]
    assert first["tradeStatus"] == "refund_success" and first["refundFee"] == "3.00"
    assert first["outRefundNo"].startswith("YTR") and first["refundTime"]
    assert first["outPaymentNo"] == paid and first["channelType"] == "ten"
    assert refund(api, "R2", "6.00")["data"]["tradeStatus"] == "refund_success"
    over = refund(api, "R3", "1.01")
    assert over["kind"] == "2004" and "1.00" in over["msg"]
    q = api.ok("query", bizType="scan_pay", paymentNo="P1")
    assert q["refundedFee"] == "9.00" and q["orderStatus"] == "PART_REFUNDED"
    assert refund(api, "R4", "1.00")["data"]["tradeStatus"] == "refund_success"
    assert api.ok("query", bizType="scan_pay", paymentNo="P1")["orderStatus"] == "REFUNDED"


def test_same_request_no_returns_the_first_refund_without_a_second_channel_call(api, paid,
                                                                                simulator):
    first = refund(api, "R1", "2.00")["data"]
    again = refund(api, "R1", "2.00")["data"]
    assert again == first
    assert channel_refund_calls(simulator) == 1
    assert order_store.get_order("12345", "P1").refundable_fee == 800


def test_same_request_no_with_another_fee_is_2001(api, paid):
    refund(api, "R1", "2.00")
    assert refund(api, "R1", "2.01")["kind"] == "2001"


def test_refund_of_unpaid_or_unknown_order(api):
    api.ok("scancode", paymentNo="P2", channelProduct="ali_scan_code", tradeFee="1.00",
           subject="x", expireTime=expire_in())
    assert refund(api, "R1", "1.00", payment_no="P2")["kind"] == "2003"
    assert refund(api, "R2", "1.00", payment_no="NOPE")["kind"] == "2002"
    assert refund_store.get_refund("12345", "R1") is None


def test_refund_query_returns_the_refund_or_2002(api, paid):
    data = refund(api, "R1", "1.00")["data"]
    assert api.ok("refundQuery", requestNo="R1") == data
    assert api.call("refundQuery", requestNo="NOPE")["kind"] == "2002"


def test_delayed_refund_is_accepted_then_settled_by_the_channel_notification(api, paid,
                                                                           simulator):
    simulator.control("mode", {"refund": "delayed"})
    data = refund(api, "R1", "4.00")["data"]
    assert data["tradeStatus"] == "refund_apply_success"
    assert eventually(lambda: api.ok("refundQuery", requestNo="R1")["tradeStatus"]
                      == "refund_success")
    assert order_store.get_order("12345", "P1").refunded_fee == 400


def test_failed_refund_releases_the_amount_for_another_refund(api, paid, simulator):
    simulator.control("mode", {"refund": "failed"})
    data = refund(api, "R1", "10.00")["data"]
    assert data["tradeStatus"] == "refund_failed" and data["failedReason"]
    simulator.control("mode", {"refund": "instant"})
    assert refund(api, "R2", "10.00")["data"]["tradeStatus"] == "refund_success"


def test_timed_out_refund_is_retried_once_with_the_same_out_refund_no(api, paid, simulator):
    simulator.control("mode", {"refund": "timeout_once"})
    data = refund(api, "R1", "1.00")["data"]
    assert data["tradeStatus"] == "refund_success"
    assert simulator.calls[("ten", "refund", data["outRefundNo"])] == 2


def test_refund_still_unknown_after_the_retry_is_refund_exception_and_keeps_the_amount(
        api, paid, simulator):
    simulator.control("mode", {"refund": "timeout"})
    data = refund(api, "R1", "10.00")["data"]
    assert data["tradeStatus"] == "refund_exception"
    assert simulator.calls[("ten", "refund", data["outRefundNo"])] == 2
    assert refund(api, "R2", "0.01")["kind"] == "2004"     # the unknown refund still counts


def test_refund_after_the_channel_refund_window_is_2006(api, paid):
    from chalicelib.clock import CST, set_clock
    from datetime import datetime

    later = datetime.now(CST) + timedelta(days=366)
    set_clock(lambda: later)
    try:
        # signatures use the same clock, so the replay window still holds
        env = refund(api, "R1", "1.00")
    finally:
        set_clock(None)
    assert env["kind"] == "2006" and "365" in env["msg"]


def test_wechat_caps_partial_refunds_at_fifty(api, paid):
    from chalicelib.store.models import OrderModel

    OrderModel("12345#P1").update(actions=[OrderModel.refund_count.set(50)])
    env = refund(api, "R1", "0.01")
    assert env["kind"] == "2006" and "50" in env["msg"]


def test_wechat_refund_rate_limit_answers_2006_when_the_second_is_full(api, paid, monkeypatch):
    from chalicelib.domain import channels

    monkeypatch.setitem(channels.DEFAULT_RULES, "ten", channels.ChannelRules(
        refund_window_days=365, max_partial_refunds=50, refunds_per_second=2))
    from chalicelib.clock import now, set_clock

    frozen = now()
    set_clock(lambda: frozen)          # all four in the same second
    kinds = [refund(api, f"R{i}", "0.01")["kind"] for i in range(4)]
    assert kinds == ["0", "0", "2006", "2006"]


def test_refund_notification_with_wrong_amount_is_refused(api, paid, simulator):
    import json

    from chalicelib.channels.simulated import notice_signature
    from chalicelib.config import settings
    from chalicelib.handlers import channel_notify
    from tests.integration.conftest import ACCOUNTS

    simulator.control("mode", {"refund": "timeout"})
    data = refund(api, "R1", "1.00")["data"]
    body = json.dumps({"type": "refund", "mchId": ACCOUNTS["ten"], "outTradeNo": paid,
                       "outRefundNo": data["outRefundNo"], "refundFee": 999,
                       "refundStatus": "SUCCESS"}).encode()
    sig = notice_signature(settings().channel_notify_secrets["ten"], body)
    assert channel_notify.handle("ten", body, {"X-Channel-Signature": sig})[0] == 400
    assert api.ok("refundQuery", requestNo="R1")["tradeStatus"] == "refund_exception"
