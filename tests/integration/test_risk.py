"""Refund risk control (SPEC §6): exact under concurrency, held refunds recorded and releasable."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chalicelib.domain.risk import DAY, RiskRule
from chalicelib.handlers import isv_api
from chalicelib.signing import dumps, parse_json
from chalicelib.store import abnormal as abnormal_store
from chalicelib.store import orders as order_store
from chalicelib.store import refunds as refund_store
from tests.integration.conftest import eventually, expire_in


def set_rules(*rules):
    import json

    from chalicelib.domain.risk import rule_to_dict
    from chalicelib.store.models import MerchantModel

    MerchantModel("12345").update(actions=[MerchantModel.risk_rules.set(
        json.dumps([rule_to_dict(r) for r in rules]))])


@pytest.fixture
def paid_100(api, simulator):
    data = api.ok("scancode", paymentNo="P1", channelProduct="uni_scan_code", tradeFee="100.00",
                  subject="住院押金", expireTime=expire_in())
    requests.post(data["payUrl"], json={"action": "pay"}, timeout=5)
    eventually(lambda: order_store.get_order("12345", "P1").status.value == "PAID")


def test_twenty_concurrent_refunds_against_three_per_minute_let_exactly_three_through(
        api, paid_100, clock):
    set_rules(RiskRule(window_minutes=1, max_count=3))
    bodies = [dumps(api.signed({"paymentNo": "P1", "bizType": "scan_pay",
                                "requestNo": f"R{i}", "refundNo": f"H{i}",
                                "refundFee": "1.00"})).encode() for i in range(20)]
    with ThreadPoolExecutor(20) as pool:
        answers = [parse_json(a) for a in pool.map(lambda b: isv_api.handle("refund", b),
                                                   bodies)]
    kinds = sorted(a["kind"] for a in answers)
    assert not [a for a in answers if a["kind"] not in ("0", "2005")], answers
    assert kinds.count("0") == 3 and kinds.count("2005") == 17
    held = [a for a in answers if a["kind"] == "2005"]
    assert all(a["msg"] == "单位分钟内退款笔数超限，该笔退款订单已进入风控" for a in held)
    assert order_store.get_order("12345", "P1").refunded_fee == 300
    failed = abnormal_store.search(partner_ids=["12345"], day=None, kind="REFUND_FAILED",
                                   status="UNHANDLED")
    assert len(failed) == 17
    assert refund_store.get_refund("12345", held[0]["data"]["requestNo"]).status.value \
        == "RISK_HOLD"


def test_amount_rule_per_day_holds_the_refund_that_would_pass_it(api, paid_100, clock):
    set_rules(RiskRule(window_minutes=DAY, max_amount=500))
    assert api.call("refund", paymentNo="P1", bizType="scan_pay", requestNo="R1",
                    refundNo="H1", refundFee="3.00")["kind"] == "0"
    env = api.call("refund", paymentNo="P1", bizType="scan_pay", requestNo="R2",
                   refundNo="H2", refundFee="3.00")
    assert env["kind"] == "2005"
    assert env["msg"] == "单位天内退款总额超限，该笔退款订单已进入风控"
    assert env["data"]["requestNo"] == "R2"
    # a retry of the held request is held again, not a second record
    assert api.call("refund", paymentNo="P1", bizType="scan_pay", requestNo="R2",
                    refundNo="H2", refundFee="3.00")["kind"] == "2005"
    # next day the window is fresh
    clock.advance(days=1)
    assert api.call("refund", paymentNo="P1", bizType="scan_pay", requestNo="R3",
                    refundNo="H3", refundFee="3.00")["kind"] == "0"


def test_a_held_refund_reserves_nothing_and_can_be_released(api, paid_100, clock, simulator):
    from chalicelib.handlers.refund_service import release
    from chalicelib.store.parties import get_merchant

    set_rules(RiskRule(window_minutes=10, max_amount=1000))
    env = api.call("refund", paymentNo="P1", bizType="scan_pay", requestNo="R1",
                   refundNo="H1", refundFee="20.00")
    assert env["kind"] == "2005"
    assert order_store.get_order("12345", "P1").refundable_fee == 10000
    assert not [k for k in simulator.calls if k[1] == "refund"]
    released = release(get_merchant("12345"), refund_store.get_refund("12345", "R1"), clock())
    assert released.status.value == "SUCCESS"
    assert order_store.get_order("12345", "P1").refunded_fee == 2000
    assert api.ok("refundQuery", requestNo="R1")["tradeStatus"] == "refund_success"
