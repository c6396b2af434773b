"""The platform keeps its promises after the call returns, in `make run`'s stack: a business
service that is down sees retries then 支付通知失败; a payment after close is auto-refunded; the
operations API lists and handles it. The retry schedule is compressed (--notify-retry-scale)."""
import uuid
from datetime import timedelta

import pytest
import requests

from chalicelib.clock import now, to_wire
from tests.e2e.conftest import RunningStack
from tests.support import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture(scope="module")
def fast_stack(tmp_path_factory):
    stack = RunningStack(tmp_path_factory.mktemp("lifecycle"),
                         extra=("--notify-retry-scale", "0.00005")).start()
    yield stack
    stack.stop()


def _console(stack):
    base = stack.demo["baseUrl"]
    token = requests.post(f"{base}/admin/api/login", json={
        "username": stack.demo["adminUser"], "password": stack.demo["adminPassword"]},
        timeout=10).json()["token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return base, session


def _paid_scan(isv, pno, fee="2.00"):
    data = isv.ok("scancode", paymentNo=pno, channelProduct="ali_scan_code", tradeFee=fee,
                  subject="门诊", expireTime=to_wire(now() + timedelta(minutes=30)))
    return data


def test_business_service_down_means_retries_then_pay_notify_failed(fast_stack):
    isv = fast_stack.client()
    requests.post(f"{fast_stack.hospital_url}/business/down", json={"down": True}, timeout=5)
    pno = uuid.uuid4().hex[:16]
    data = _paid_scan(isv, pno)
    requests.post(data["payUrl"], json={"action": "pay"}, timeout=5)
    base, console = _console(fast_stack)

    def failed():
        items = console.get(f"{base}/admin/api/abnormal", params={
            "partnerId": "12345", "type": "PAY_NOTIFY_FAILED"}, timeout=10).json()["items"]
        return [i for i in items if i["paymentNo"] == pno]

    [item] = eventually(failed, timeout=60)
    assert item["typeName"] == "支付通知失败" and item["statusName"] == "未处理"
    detail = console.get(f"{base}/admin/api/orders/12345/{pno}", timeout=10).json()
    assert detail["notifications"][0]["state"] == "FAILED"
    assert detail["notifications"][0]["attempts"] == 16
    requests.post(f"{fast_stack.hospital_url}/business/down", json={"down": False}, timeout=5)
    resp = console.post(f"{base}/admin/api/abnormal/{item['id']}/handle",
                        json={"action": "MARK_HANDLED", "note": "业务已确认到账"}, timeout=10)
    assert resp.status_code == 200 and resp.json()["item"]["status"] == "HANDLED"


def test_payment_after_close_is_refunded_automatically(fast_stack):
    isv = fast_stack.client()
    pno = uuid.uuid4().hex[:16]
    data = _paid_scan(isv, pno)
    assert isv.ok("close", bizType="scan_pay", paymentNo=pno)["isCloseOrder"] == "Y"
    requests.post(data["payUrl"], json={"action": "pay", "ignoreClose": True}, timeout=5)
    base, console = _console(fast_stack)

    def refunded():
        d = console.get(f"{base}/admin/api/orders/12345/{pno}", timeout=10).json()
        return [a for a in d["attempts"] if a["refundedFee"] == "2.00"]

    [attempt] = eventually(refunded, timeout=60)
    assert attempt["abnormal"] == "PAID_AFTER_CLOSE"
    assert isv.ok("query", bizType="scan_pay", paymentNo=pno)["orderStatus"] == "CLOSED"
