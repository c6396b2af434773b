"""scancode, barcode, query, close and channel callbacks through the Chalice app."""
import pytest
import requests

from chalicelib.store import orders as order_store
from tests.integration.conftest import ACCOUNTS, eventually, expire_in

SCAN = dict(channelProduct="ali_scan_code", tradeFee="12.30", subject="门诊缴费")


def scan(api, payment_no="P1", **kw):
    return api.call("scancode", paymentNo=payment_no, expireTime=kw.pop("expireTime", expire_in()),
                    **{**SCAN, **kw})


def patient_pays(pay_url, **extra):
    return requests.post(pay_url, json={"action": "pay", **extra}, timeout=5).json()


def query(api, payment_no="P1", biz_type="scan_pay"):
    return api.ok("query", bizType=biz_type, paymentNo=payment_no)


def test_scancode_returns_a_payable_qr_url_and_waits(api):
    data = scan(api, bizData='{"visitId":"V9"}')["data"]
    assert data["tradeStatus"] == "wait_pay" and data["channelType"] == "ali"
    assert data["outPaymentNo"].startswith("YT") and data["payUrl"].startswith("http")
    assert data["tradeFee"] == "12.30" and data["bizData"] == '{"visitId":"V9"}'


def test_same_scancode_again_returns_the_same_attempt(api, simulator):
    first = scan(api)["data"]
    again = scan(api)["data"]
    assert again["outPaymentNo"] == first["outPaymentNo"]
    assert sum(1 for k in simulator.calls if k[1] == "precreate") == 1


def test_another_product_makes_a_new_attempt_and_closes_the_old(api, simulator):
    first = scan(api)["data"]
    second = scan(api, channelProduct="ten_scan_code")["data"]
    assert second["outPaymentNo"] != first["outPaymentNo"] and second["channelType"] == "ten"
    assert simulator.trades[first["outPaymentNo"]].state == "CLOSED"
    assert order_store.get_attempt(first["outPaymentNo"]).status.value == "CLOSED"
    assert query(api)["outPaymentNo"] == second["outPaymentNo"]


@pytest.mark.parametrize("change", [{"tradeFee": "12.31"}, {"subject": "住院押金"}])
def test_same_payment_no_with_other_fee_or_subject_is_2001(api, change):
    scan(api)
    assert scan(api, **change)["kind"] == "2001"


def test_paid_order_refuses_another_scancode_with_2003(api):
    patient_pays(scan(api)["data"]["payUrl"])
    eventually(lambda: query(api)["tradeStatus"] == "pay_success")
    assert scan(api, channelProduct="ten_scan_code")["kind"] == "2003"


def test_payment_notified_by_the_channel_marks_the_order_paid(api, simulator):
    data = scan(api)["data"]
    patient_pays(data["payUrl"])
    assert eventually(lambda: simulator.delivered)[0] == ("ali", 200, "success")
    order = order_store.get_order("12345", "P1")
    assert order.status.value == "PAID" and order.paid_fee == 1230
    q = query(api)
    assert q["tradeStatus"] == "pay_success" and q["orderStatus"] == "PAID"
    assert q["inPaymentNo"] and q["paymentTime"] and q["refundedFee"] == "0.00"


def test_query_syncs_a_waiting_order_with_the_channel(api, simulator, monkeypatch):
    from chalicelib.store import orders as store

    data = scan(api)["data"]
    simulator.deliver_notifications = False      # the channel's notification gets lost
    patient_pays(data["payUrl"])
    assert query(api)["tradeStatus"] == "wait_pay"   # synced less than 3 s ago: no channel call
    att = store.get_attempt(data["outPaymentNo"])
    from datetime import timedelta
    store.touch_sync(att.out_payment_no, att.created_at - timedelta(seconds=10))
    assert query(api)["tradeStatus"] == "pay_success"


def test_query_of_unknown_order_is_2002(api):
    assert api.call("query", bizType="scan_pay", paymentNo="NOPE")["kind"] == "2002"


def test_duplicate_channel_notifications_are_processed_once(api, simulator):
    data = scan(api)["data"]
    patient_pays(data["payUrl"])
    eventually(lambda: simulator.delivered)
    simulator.control("renotify", {"outTradeNo": data["outPaymentNo"]})
    simulator.control("renotify", {"outTradeNo": data["outPaymentNo"]})
    assert eventually(lambda: len(simulator.delivered) == 3)
    assert all(d == ("ali", 200, "success") for d in simulator.delivered)
    order = order_store.get_order("12345", "P1")
    assert order.status.value == "PAID" and order.refundable_fee == 1230


def test_forged_or_mismatched_channel_notifications_are_refused(api, simulator):
    import json

    from chalicelib.channels.simulated import notice_signature
    from chalicelib.config import settings
    from chalicelib.handlers import channel_notify

    data = scan(api)["data"]
    good = {"type": "pay", "mchId": ACCOUNTS["ali"], "outTradeNo": data["outPaymentNo"],
            "transactionId": "T1", "totalFee": 1230, "tradeState": "SUCCESS",
            "paidAt": "2026-11-23 10:00:00"}

    def send(payload, secret=settings().channel_notify_secrets["ali"], channel="ali"):
        body = json.dumps(payload).encode()
        return channel_notify.handle(channel, body, {"X-Channel-Signature":
                                                     notice_signature(secret, body)})

    assert send(good, secret="wrong")[0] == 400
    assert send({**good, "totalFee": 1})[0] == 400
    assert send({**good, "mchId": "someone-else"})[0] == 400
    assert send({**good, "outTradeNo": "YTUNKNOWN"})[0] == 404
    assert send(good, channel="ten")[0] in (400, 404)
    assert channel_notify.handle("ali", b"garbage", {})[0] == 400
    assert order_store.get_order("12345", "P1").status.value == "WAIT_PAY"
    assert send(good) == (200, "success")
    assert order_store.get_order("12345", "P1").status.value == "PAID"


def test_channel_notify_route_answers_over_http(api, simulator):
    resp = api.client.http.post("/notify/ali", body=b"{}", headers={"Content-Type":
                                                                     "application/json"})
    assert resp.status_code == 400 and resp.body == b"fail"
    assert api.client.http.post("/notify/xxx", body=b"{}").status_code == 404


# ---------------------------------------------------------------- barcode
def barcode(api, code, payment_no=None, fee="5.00"):
    return api.call("barcode", paymentNo=payment_no or f"B{code[-6:]}", authCode=code,
                    expireTime=expire_in(), tradeFee=fee, subject="窗口缴费")


@pytest.mark.parametrize("code, channel", [("134567890123450000", "ten"),
                                           ("2812345678901230000", "ali"),
                                           ("6212345678901230000", "uni")])
def test_barcode_ending_0000_succeeds_at_once_on_the_code_s_channel(api, code, channel):
    data = barcode(api, code)["data"]
    assert data["tradeStatus"] == "pay_success" and data["channelType"] == channel
    assert data["channelProduct"] == f"{channel}_bar_code"
    assert data["inPaymentNo"] and data["paymentTime"]


def test_barcode_ending_1111_waits_for_the_password_then_succeeds(api, simulator):
    data = barcode(api, "134567890123451111")["data"]
    assert data["tradeStatus"] == "wait_pay"
    assert eventually(lambda: query(api, data["paymentNo"], "barcode_pay")["tradeStatus"]
                      == "pay_success")


def test_barcode_ending_2222_fails(api):
    data = barcode(api, "134567890123452222")["data"]
    assert data["tradeStatus"] == "pay_failed"
    assert query(api, data["paymentNo"], "barcode_pay")["orderStatus"] == "FAILED"


def test_barcode_timeout_is_wait_pay_never_failed_and_query_finds_the_truth(api):
    data = barcode(api, "134567890123453333")["data"]
    assert data["tradeStatus"] == "wait_pay"
    assert eventually(lambda: query(api, data["paymentNo"], "barcode_pay")["tradeStatus"]
                      == "pay_success", timeout=8)


def test_unknown_auth_code_prefix_is_1001(api):
    env = barcode(api, "991234567890123456")
    assert env["kind"] == "1001" and "authCode" in env["msg"]


def test_failed_barcode_can_be_retried_with_another_code(api):
    barcode(api, "134567890123452222", payment_no="BX")
    data = barcode(api, "134567890123450000", payment_no="BX")["data"]
    assert data["tradeStatus"] == "pay_success"


def test_channel_down_is_3001_and_scancode_writes_nothing(api, monkeypatch):
    from chalicelib.channels import registry

    registry.reset()
    monkeypatch.setenv("UPP_CHANNEL_BASE_URL", "http://127.0.0.1:9")
    from chalicelib import config
    config.reload()
    try:
        env = scan(api)
        assert env["kind"] == "3001"
        assert order_store.get_order("12345", "P1") is None
    finally:
        monkeypatch.undo()
        config.reload()
        registry.reset()
    assert scan(api)["kind"] == "0"    # safe to retry


# ---------------------------------------------------------------- close
def close(api, payment_no="P1", biz_type="scan_pay"):
    return api.call("close", bizType=biz_type, paymentNo=payment_no)


def test_close_of_a_waiting_order_closes_it_here_and_at_the_channel(api, simulator):
    data = scan(api)["data"]
    env = close(api)
    assert env["kind"] == "0" and env["data"]["isCloseOrder"] == "Y"
    assert simulator.trades[data["outPaymentNo"]].state == "CLOSED"
    assert query(api)["orderStatus"] == "CLOSED"
    assert close(api)["data"]["isCloseOrder"] == "Y"          # idempotent
    assert scan(api)["kind"] == "2003"


def test_close_of_a_paid_order_answers_n_and_says_to_refund(api, simulator):
    patient_pays(scan(api)["data"]["payUrl"])
    eventually(lambda: simulator.delivered)
    env = close(api)
    assert env["data"]["isCloseOrder"] == "N" and "退款" in env["msg"]
    assert query(api)["orderStatus"] == "PAID"


def test_close_finds_a_payment_the_platform_had_not_heard_of(api, simulator):
    data = scan(api)["data"]
    simulator.deliver_notifications = False
    patient_pays(data["payUrl"])
    assert close(api)["data"]["isCloseOrder"] == "N"
    assert query(api)["orderStatus"] == "PAID"


def test_close_with_channel_unreachable_still_closes_here(api, monkeypatch):
    from chalicelib.channels import registry
    from chalicelib import config

    scan(api)
    monkeypatch.setenv("UPP_CHANNEL_BASE_URL", "http://127.0.0.1:9")
    config.reload()
    registry.reset()
    try:
        assert close(api)["data"]["isCloseOrder"] == "Y"
    finally:
        monkeypatch.undo()
        config.reload()
        registry.reset()
    assert query(api)["orderStatus"] == "CLOSED"


def test_payment_after_close_is_recorded_as_abnormal_and_the_order_stays_closed(api, simulator):
    data = scan(api)["data"]
    close(api)
    patient_pays(data["payUrl"], ignoreClose=True)
    eventually(lambda: simulator.delivered)
    attempt = order_store.get_attempt(data["outPaymentNo"])
    assert attempt.status.value == "PAID" and attempt.abnormal.value == "PAID_AFTER_CLOSE"
    assert query(api)["orderStatus"] == "CLOSED"


def test_close_of_unknown_order_is_2002(api):
    assert close(api, "NOPE")["kind"] == "2002"
