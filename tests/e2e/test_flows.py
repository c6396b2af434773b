"""End to end over real HTTP: a signed ISV client written from SPEC §2 against `make run`'s stack."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests

from chalicelib.clock import now, to_wire
from tests.support import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _no() -> str:
    return uuid.uuid4().hex[:20]


def _expire() -> str:
    return to_wire(now() + timedelta(minutes=30))


def _ok(env: dict) -> dict:
    assert env["result"] is True and env["kind"] == "0", env
    return env["data"]


def test_demo_json_has_exactly_the_spec_keys(stack):
    assert set(stack.demo) == {"baseUrl", "isvId", "partnerId", "key", "simulatorUrl",
                               "adminUrl", "adminUser", "adminPassword"}


def test_scan_pay_query_refunds_refund_query_close(isv):
    pno = _no()
    data = _ok(isv.call("scancode", paymentNo=pno, channelProduct="ali_scan_code",
                        tradeFee="20.00", subject="门诊缴费", expireTime=_expire(),
                        bizData='{"visitId":"V1"}'))
    assert data["tradeStatus"] == "wait_pay"
    paid = requests.post(data["payUrl"], json={"action": "pay"}, timeout=10).json()
    assert paid["tradeState"] == "SUCCESS"
    q = eventually(lambda: (lambda d: d if d["tradeStatus"] == "pay_success" else None)(
        _ok(isv.call("query", bizType="scan_pay", paymentNo=pno))), timeout=10)
    assert q and q["orderStatus"] == "PAID" and q["bizData"] == '{"visitId":"V1"}'

    r1 = _ok(isv.call("refund", paymentNo=pno, bizType="scan_pay", requestNo=_no(),
                      refundNo="HR1", refundFee="5.00"))
    r2 = _ok(isv.call("refund", paymentNo=pno, bizType="scan_pay", requestNo=_no(),
                      refundNo="HR2", refundFee="15.00"))
    assert r1["tradeStatus"] == r2["tradeStatus"] == "refund_success"
    over = isv.call("refund", paymentNo=pno, bizType="scan_pay", requestNo=_no(),
                    refundNo="HR3", refundFee="0.01")
    assert over["kind"] == "2004"
    rq = _ok(isv.call("refundQuery", requestNo=r1["requestNo"]))
    assert rq["outRefundNo"] == r1["outRefundNo"] and rq["tradeStatus"] == "refund_success"
    q = _ok(isv.call("query", bizType="scan_pay", paymentNo=pno))
    assert q["refundedFee"] == "20.00" and q["orderStatus"] == "REFUNDED"
    close = isv.call("close", bizType="scan_pay", paymentNo=pno)
    assert close["data"]["isCloseOrder"] == "N"


def test_close_of_a_waiting_order(isv):
    pno = _no()
    _ok(isv.call("scancode", paymentNo=pno, channelProduct="uni_scan_code", tradeFee="1.00",
                 subject="挂号", expireTime=_expire()))
    assert _ok(isv.call("close", bizType="scan_pay", paymentNo=pno))["isCloseOrder"] == "Y"
    assert _ok(isv.call("query", bizType="scan_pay", paymentNo=pno))["orderStatus"] == "CLOSED"


@pytest.mark.parametrize("code, first, final", [
    ("134567890123450000", "pay_success", "pay_success"),
    ("2812345678901231111", "wait_pay", "pay_success"),
    ("6212345678901232222", "pay_failed", "pay_failed"),
    ("134567890123453333", "wait_pay", "pay_success"),
])
def test_each_barcode_outcome(isv, code, first, final):
    pno = _no()
    data = _ok(isv.call("barcode", paymentNo=pno, authCode=code, tradeFee="3.00",
                        subject="窗口缴费", expireTime=_expire()))
    assert data["tradeStatus"] == first
    q = eventually(lambda: (lambda d: d if d["tradeStatus"] == final else None)(
        _ok(isv.call("query", bizType="barcode_pay", paymentNo=pno))), timeout=12)
    assert q and q["tradeStatus"] == final


def _paid_order(isv, fee="10.00") -> str:
    pno = _no()
    data = _ok(isv.call("barcode", paymentNo=pno, authCode="134567890123450000", tradeFee=fee,
                        subject="押金", expireTime=_expire()))
    assert data["tradeStatus"] == "pay_success"
    return pno


def test_sixteen_concurrent_full_refunds_accept_exactly_one(stack, isv):
    pno = _paid_order(isv)

    def full_refund(i):
        client = stack.client()          # one HTTP session per thread
        return client.call("refund", paymentNo=pno, bizType="barcode_pay", requestNo=_no(),
                           refundNo=f"H{i}", refundFee="10.00")

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(full_refund, range(16)))
    accepted = [r for r in results if r["kind"] == "0"]
    assert len(accepted) == 1 and accepted[0]["data"]["tradeStatus"] == "refund_success"
    assert {r["kind"] for r in results if r["kind"] != "0"} == {"2004"}
    q = _ok(isv.call("query", bizType="barcode_pay", paymentNo=pno))
    assert q["refundedFee"] == "10.00"


def test_twelve_retries_of_one_request_no_make_one_refund_and_one_channel_call(stack, isv):
    pno = _paid_order(isv)
    request_no = _no()

    def retry(_):
        return stack.client().call("refund", paymentNo=pno, bizType="barcode_pay",
                                   requestNo=request_no, refundNo="H1", refundFee="4.00")

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(retry, range(12)))
    assert all(r["kind"] == "0" for r in results), results
    assert len({r["data"]["outRefundNo"] for r in results}) == 1
    out_refund_no = results[0]["data"]["outRefundNo"]
    calls = requests.get(f"{stack.demo['simulatorUrl']}/sim/calls", timeout=5).json()
    assert calls[f"ten|refund|{out_refund_no}"] == 1
    q = _ok(isv.call("query", bizType="barcode_pay", paymentNo=pno))
    assert q["refundedFee"] == "4.00"


def test_cli_call_signs_and_verifies_against_the_stack(stack):
    import subprocess
    import sys
    import json

    out = subprocess.run([sys.executable, "-m", "chalicelib.cli", "--demo",
                          str(stack.state / "demo.json"), "call", "network"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert json.loads(out)["data"]["field"] == "统一支付平台"
