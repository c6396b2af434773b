"""Scheduled jobs with an injected clock: order sync & expiry, refund poller, auto-refund."""
import requests

from chalicelib.handlers import jobs
from chalicelib.store import abnormal as abnormal_store
from chalicelib.store import orders as order_store
from tests.integration.conftest import eventually, expire_in


def scan(api, payment_no="P1", product="ali_scan_code", fee="6.00", minutes=30):
    return api.ok("scancode", paymentNo=payment_no, channelProduct=product, tradeFee=fee,
                  subject="门诊", expireTime=expire_in(minutes))


def pay(data, **extra):
    return requests.post(data["payUrl"], json={"action": "pay", **extra}, timeout=5).json()


# ------------------------------------------------------------------ order sync & expiry
def test_sync_finds_a_payment_whose_notification_was_lost(api, simulator, clock):
    simulator.deliver_notifications = False
    data = scan(api)
    pay(data)
    assert jobs.sync_orders(clock()).seen == 0                  # first query ≥ 5 s after create
    assert jobs.sync_orders(clock.advance(seconds=5)).details == {"settled": 1}
    assert order_store.get_order("12345", "P1").status.value == "PAID"
    assert jobs.sync_orders(clock.advance(minutes=1)).seen == 0  # left the waiting index


def test_waiting_orders_back_off_then_expire_closed_at_the_channel(api, simulator, clock):
    data = scan(api, minutes=2)
    seen = []
    for _ in range(30):
        report = jobs.sync_orders(clock.advance(seconds=5))
        seen.append(report.seen)
    assert sum(seen) < 20                                        # back-off: not every run
    assert order_store.get_order("12345", "P1").status.value == "EXPIRED"
    assert simulator.trades[data["outPaymentNo"]].state == "CLOSED"
    assert api.ok("query", bizType="scan_pay", paymentNo="P1")["orderStatus"] == "EXPIRED"


def test_barcode_still_unknown_at_expiry_is_reversed(api, simulator, clock):
    simulator.deliver_notifications = False
    data = api.ok("barcode", paymentNo="B1", authCode="134567890123451111", tradeFee="2.00",
                  subject="窗口", expireTime=expire_in(1))
    simulator.drain()      # cancel the simulated patient: the password never comes
    trade = simulator.trades[data["outPaymentNo"]]
    assert trade.state == "USERPAYING"
    jobs.sync_orders(clock.advance(minutes=2))
    assert trade.state == "REVOKED"
    assert order_store.get_order("12345", "B1").status.value == "EXPIRED"


def test_payment_after_expiry_is_abnormal_not_a_paid_order(api, simulator, clock):
    data = scan(api, minutes=1)
    jobs.sync_orders(clock.advance(minutes=2))
    pay(data, ignoreClose=True)
    eventually(lambda: abnormal_store.get(f"PAID_AFTER_EXPIRE#{data['outPaymentNo']}"))
    ab = abnormal_store.get(f"PAID_AFTER_EXPIRE#{data['outPaymentNo']}")
    assert ab.reason == "用户在订单超时时间后支付" and ab.amount == 600
    assert order_store.get_order("12345", "P1").status.value == "EXPIRED"


# ------------------------------------------------------------------ refund poller
def paid(api, simulator, payment_no="P1", fee="10.00"):
    data = scan(api, payment_no, product="ten_scan_code", fee=fee)
    pay(data)
    eventually(lambda: order_store.get_order("12345", payment_no).status.value == "PAID")
    return data


def test_poller_settles_a_refund_whose_answer_was_lost(api, simulator, clock):
    paid(api, simulator)
    simulator.control("mode", {"refund": "timeout"})
    r = api.ok("refund", paymentNo="P1", bizType="scan_pay", requestNo="R1", refundNo="H1",
               refundFee="4.00")
    assert r["tradeStatus"] == "refund_exception"
    assert jobs.poll_refunds(clock.advance(seconds=5)).seen == 0       # not before 10 s
    assert jobs.poll_refunds(clock.advance(seconds=6)).details == {"success": 1}
    assert api.ok("refundQuery", requestNo="R1")["tradeStatus"] == "refund_success"
    assert order_store.get_order("12345", "P1").refunded_fee == 400
    assert jobs.poll_refunds(clock.advance(hours=1)).seen == 0         # left the index


def test_poller_resubmits_a_refund_the_channel_never_received(api, simulator, clock,
                                                               monkeypatch):
    from chalicelib import config
    from chalicelib.channels import registry

    paid(api, simulator)
    monkeypatch.setenv("UPP_CHANNEL_BASE_URL", "http://127.0.0.1:9")
    config.reload()
    registry.reset()
    r = api.ok("refund", paymentNo="P1", bizType="scan_pay", requestNo="R1", refundNo="H1",
               refundFee="1.00")
    monkeypatch.undo()
    config.reload()
    registry.reset()
    assert r["tradeStatus"] == "refund_exception"
    report = jobs.poll_refunds(clock.advance(seconds=11))
    assert report.details == {"resubmitted": 1, "success": 1}
    assert simulator.calls[("ten", "refund", r["outRefundNo"])] == 1


def test_refund_not_final_after_two_days_raises_refund_query_failed_once(api, simulator,
                                                                       clock):
    paid(api, simulator)
    simulator.refund_delay_s = 10_000          # accepted, never finishes
    try:
        simulator.control("mode", {"refund": "delayed"})
        r = api.ok("refund", paymentNo="P1", bizType="scan_pay", requestNo="R1",
                   refundNo="H1", refundFee="1.00")
        assert r["tradeStatus"] == "refund_apply_success"
        raised = 0
        for _ in range(60):
            raised += jobs.poll_refunds(clock.advance(hours=1)).details.get(
                "query_failed_raised", 0)
        assert raised == 1
        ab = abnormal_store.get(f"REFUND_QUERY_FAILED#{r['outRefundNo']}")
        assert ab.reason == "退款查询补偿失败，退款状态为非成功" and ab.request_no == "R1"
    finally:
        simulator.refund_delay_s = 0.3


# ------------------------------------------------------------------ auto-refund
def _auto(on: bool):
    from chalicelib.store.models import MerchantModel

    MerchantModel("12345").update(actions=[MerchantModel.auto_refund.set(on)])


def duplicate_payment(api, simulator):
    """Pay the order twice: through a second product, then the first QR after all."""
    first = scan(api, product="ali_scan_code")
    second = scan(api, product="ten_scan_code")
    pay(second)
    eventually(lambda: order_store.get_order("12345", "P1").status.value == "PAID")
    pay(first, ignoreClose=True)
    eventually(lambda: abnormal_store.get(f"DUPLICATE_PAYMENT#{first['outPaymentNo']}"))
    return first["outPaymentNo"]


def paid_after_close(api):
    """Create P1, close it, then the patient pays the old QR code anyway."""
    data = scan(api)
    api.ok("close", bizType="scan_pay", paymentNo="P1")
    pay(data, ignoreClose=True)
    eventually(lambda: abnormal_store.get(f"PAID_AFTER_CLOSE#{data['outPaymentNo']}"))
    return data


def test_duplicate_payment_is_auto_refunded_once_when_auto_refund_is_on(api, simulator,
                                                                        hospital, clock):
    _auto(True)
    out_no = duplicate_payment(api, simulator)
    ab = abnormal_store.get(f"DUPLICATE_PAYMENT#{out_no}")
    assert ab.reason == "订单重复支付" and ab.status.value == "UNHANDLED"
    assert jobs.auto_refund(clock()).details == {"refunded": 1}
    assert jobs.auto_refund(clock.advance(minutes=5)).seen == 0
    refunds = [k for k in simulator.calls if k[1] == "refund"]
    assert len(refunds) == 1 and sum(simulator.calls[k] for k in refunds) == 1
    attempt = order_store.get_attempt(out_no)
    assert attempt.refunded_fee == 600 and attempt.refundable_fee == 0
    order = order_store.get_order("12345", "P1")
    assert order.refundable_fee == 600 and order.refunded_fee == 0     # the order is untouched
    assert abnormal_store.get(f"DUPLICATE_PAYMENT#{out_no}").status.value == "HANDLED"
    assert not [n for n in hospital.received if n["notifyType"] == "refund"]


def test_abnormal_payments_are_left_for_an_operator_when_auto_refund_is_off(api, simulator,
                                                                           clock):
    _auto(False)
    out_no = duplicate_payment(api, simulator)
    assert jobs.auto_refund(clock()).details == {"left_for_operator": 1}
    assert not [k for k in simulator.calls if k[1] == "refund"]
    listed = abnormal_store.search(partner_ids=["12345"], day=None, kind=None,
                                   status="UNHANDLED")
    assert [a.out_payment_no for a in listed] == [out_no]


def test_paid_after_close_is_refunded_after_the_his_says_it_holds_no_paid_order(
        api, simulator, hospital, clock):
    _auto(True)
    data = paid_after_close(api)
    assert jobs.auto_refund(clock()).details == {"refunded": 1}
    assert hospital.queries >= 1
    assert order_store.get_attempt(data["outPaymentNo"]).refunded_fee == 600


def test_paid_after_close_is_not_refunded_when_the_his_holds_a_paid_order(api, simulator,
                                                                       hospital, clock):
    _auto(True)
    hospital.orders[("12345", "P1")] = {"status": "PAID", "fee": "6.00"}
    data = paid_after_close(api)
    assert jobs.auto_refund(clock()).details == {"his_holds_paid_order": 1}
    failed = abnormal_store.get(f"REFUND_FAILED#AUTO-{data['outPaymentNo']}")
    assert failed.reason == "[订单已关闭], 自动退款校验失败"
    assert not [k for k in simulator.calls if k[1] == "refund"]
    assert jobs.auto_refund(clock.advance(minutes=5)).seen == 0


def test_his_unreachable_means_no_automatic_refund(api, simulator, hospital, clock):
    _auto(True)
    data = scan(api, minutes=1)
    jobs.sync_orders(clock.advance(minutes=2))
    hospital.down = True
    pay(data, ignoreClose=True)
    eventually(lambda: abnormal_store.get(f"PAID_AFTER_EXPIRE#{data['outPaymentNo']}"))
    assert jobs.auto_refund(clock()).details == {"his_unavailable": 1}
    assert abnormal_store.get(f"REFUND_FAILED#AUTO-{data['outPaymentNo']}").reason == \
        "[订单已超时], 自动退款校验失败"


def test_paid_after_close_is_listed_for_an_operator_when_auto_refund_is_off(api, simulator,
                                                                           hospital, clock):
    _auto(False)
    paid_after_close(api)
    assert jobs.auto_refund(clock()).details == {"left_for_operator": 1}
    assert hospital.queries == 0 and not [k for k in simulator.calls if k[1] == "refund"]
    [listed] = abnormal_store.search(partner_ids=["12345"], day=None,
                                     kind="PAID_AFTER_CLOSE", status="UNHANDLED")
    assert listed.reason == "商户关闭订单后用户完成支付" and listed.amount == 600
