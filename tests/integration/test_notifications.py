"""Notifications to the business service (SPEC §4): outbox, dispatcher, retries, pull."""
import json

import requests

from chalicelib.domain.notifications import RETRY_DELAYS
from chalicelib.handlers import jobs
from chalicelib.signing import parse_json, verify
from chalicelib.store import abnormal as abnormal_store
from chalicelib.store import outbox
from tests.integration.conftest import DEMO_KEY, eventually, expire_in


def paid_scan(api, simulator, payment_no="P1", product="ali_scan_code", fee="8.00"):
    data = api.ok("scancode", paymentNo=payment_no, channelProduct=product, tradeFee=fee,
                  subject="门诊缴费", expireTime=expire_in())
    requests.post(data["payUrl"], json={"action": "pay"}, timeout=5)
    eventually(lambda: api.ok("query", bizType="scan_pay", paymentNo=payment_no)
               ["tradeStatus"] == "pay_success")
    return data["outPaymentNo"]


def test_payment_notification_is_signed_and_delivered_once(api, simulator, hospital, clock):
    out_no = paid_scan(api, simulator)
    report = jobs.dispatch_notifications(clock())
    assert report.details == {"delivered": 1}
    [got] = hospital.received
    assert got["notifyType"] == "pay" and got["outPaymentNo"] == out_no
    assert got["tradeStatus"] == "pay_success" and got["tradeFee"] == "8.00"
    assert verify(parse_json(json.dumps(got)), DEMO_KEY)
    assert jobs.dispatch_notifications(clock.advance(minutes=5)).seen == 0
    assert len(hospital.received) == 1


def test_business_service_down_for_hours_gets_the_notification_when_back(api, simulator,
                                                                        hospital, clock):
    paid_scan(api, simulator)
    hospital.business_down = True
    assert jobs.dispatch_notifications(clock()).details == {"retry": 1}
    for delay in RETRY_DELAYS[:9]:          # 15s … 30m: about 2 h 15 m of failures
        assert jobs.dispatch_notifications(clock.advance(seconds=delay.total_seconds() - 1)) \
            .seen == 0                       # not due a second early
        assert jobs.dispatch_notifications(clock.advance(seconds=1)).details == {"retry": 1}
    hospital.business_down = False
    assert jobs.dispatch_notifications(clock.advance(hours=1)).details == {"delivered": 1}
    assert len(hospital.received) == 1
    assert jobs.dispatch_notifications(clock.advance(hours=10)).seen == 0
    [n] = outbox.list_for_partner("12345", None, 10)
    assert n.state == "DELIVERED" and n.attempts == 11


def test_exhausted_retries_raise_pay_notify_failed_once(api, simulator, hospital, clock):
    out_no = paid_scan(api, simulator)
    hospital.business_down = True
    for _ in range(40):
        jobs.dispatch_notifications(clock.advance(hours=6))
    [n] = outbox.list_for_partner("12345", None, 10)
    assert n.state == "FAILED" and n.attempts == 16
    ab = abnormal_store.get(f"PAY_NOTIFY_FAILED#{out_no}")
    assert ab.status.value == "UNHANDLED" and ab.amount == 800
    assert ab.reason == "用户支付后，支付服务通知业务服务失败"


def test_a_crash_between_claim_and_send_loses_nothing(api, simulator, hospital, clock):
    paid_scan(api, simulator)

    def crash(url, body):
        raise SystemExit("dispatcher killed mid-send")

    try:
        jobs.dispatch_notifications(clock(), post=crash)
    except SystemExit:
        pass
    assert jobs.dispatch_notifications(clock.advance(seconds=30)).seen == 0   # lease held
    assert jobs.dispatch_notifications(clock.advance(seconds=31)).details == {"delivered": 1}
    assert len(hospital.received) == 1


def test_a_crash_right_after_the_state_change_loses_nothing(api, simulator, hospital, clock):
    """The notification is written in the payment's own transaction: no dispatcher ran at all,
    the process died — the next scheduled run still finds it."""
    paid_scan(api, simulator)
    assert outbox.list_for_partner("12345", None, 10)[0].state == "PENDING"
    assert jobs.dispatch_notifications(clock.advance(hours=3)).details == {"delivered": 1}


def test_two_dispatchers_at_once_send_each_notification_once(api, simulator, hospital, clock):
    from concurrent.futures import ThreadPoolExecutor

    for i in range(5):
        paid_scan(api, simulator, payment_no=f"P{i}")
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: jobs.dispatch_notifications(clock()), range(4)))
    assert sorted(n["paymentNo"] for n in hospital.received) == [f"P{i}" for i in range(5)]


def test_refund_notification_follows_a_successful_refund(api, simulator, hospital, clock):
    paid_scan(api, simulator)
    jobs.dispatch_notifications(clock())
    r = api.ok("refund", paymentNo="P1", bizType="scan_pay", requestNo="R1", refundNo="H1",
               refundFee="3.00")
    jobs.dispatch_notifications(clock.advance(seconds=1))
    last = hospital.received[-1]
    assert last["notifyType"] == "refund" and last["outRefundNo"] == r["outRefundNo"]
    assert last["tradeStatus"] == "refund_success" and last["refundFee"] == "3.00"


def test_per_order_notify_url_from_expand_data_wins(api, simulator, hospital, clock):
    url = f"{hospital.base_url}/business/notify?order=own"
    data = api.ok("scancode", paymentNo="P9", channelProduct="ali_scan_code", tradeFee="1.00",
                  subject="x", expireTime=expire_in(), expandData=f'{{"notifyUrl":"{url}"}}')
    requests.post(data["payUrl"], json={"action": "pay"}, timeout=5)
    eventually(lambda: outbox.list_for_partner("12345", None, 10))
    assert outbox.list_for_partner("12345", None, 10)[0].url == url


def test_notify_list_lets_a_business_service_catch_up(api, simulator, hospital, clock):
    paid_scan(api, simulator, payment_no="A1")
    clock.advance(seconds=1)
    paid_scan(api, simulator, payment_no="A2")
    hospital.business_down = True
    jobs.dispatch_notifications(clock())
    first = api.ok("notifyList", limit=1)["notifications"]
    assert len(first) == 1 and first[0]["state"] == "PENDING" and int(first[0]["attempts"]) == 1
    rest = api.ok("notifyList", sinceNotifyId=first[0]["notifyId"])["notifications"]
    assert [n["data"]["paymentNo"] for n in first + rest] == ["A1", "A2"]
    assert api.call("notifyList", limit=101)["kind"] == "1001"
