"""The front door: whatever a caller sends gets a clear envelope, never a 5xx, and writes nothing."""
import json

import pytest

from chalicelib.clock import now_ms
from chalicelib.signing import dumps, parse_json, sign, verify
from tests.integration.conftest import DEMO_KEY, expire_in


def _count_items():
    from chalicelib.store.models import AttemptModel, OrderModel, RefundModel

    return sum(m.count() for m in (OrderModel, AttemptModel, RefundModel))


def _signed(**fields):
    body = {"isvId": 20000, "partnerId": 12345, "version": "1.0.0", "timestamp": now_ms(),
            **fields}
    body["sign"] = sign(body, DEMO_KEY)
    return body


def test_network_answers_platform_name_signed_with_the_isv_key(api):
    env = api.call("network")
    assert env["result"] is True and env["kind"] == "0" and env["msg"] == ""
    assert env["data"] == {"field": "统一支付平台"}
    assert verify(env, DEMO_KEY)


@pytest.mark.parametrize("body", [
    b"", b"not json", b"[1,2,3]", b'"text"', b"123", b"null", b'{"a":', b"\xff\xfe\x00",
    b'{"isvId":1,"isvId":2}', b'{"a":NaN}', json.dumps({"a": [[[[[[[[[]]]]]]]]]}).encode(),
    b'{"isvId":{"x":1},"partnerId":[],"sign":true,"version":1,"timestamp":"x"}',
])
def test_malformed_bodies_get_a_1001_envelope(api, body):
    resp = api.raw("scancode", body)
    assert resp.status_code == 200
    env = parse_json(resp.body)
    assert env["result"] is False and env["kind"] == "1001" and env["msg"]
    assert "Traceback" not in resp.body.decode("utf-8", "replace")
    assert _count_items() == 0


def test_body_over_64_kib_is_refused(api):
    body = _signed(paymentNo="P1", bizData="x" * (65 * 1024))
    env = parse_json(api.raw("scancode", dumps(body)).body)
    assert env["kind"] == "1001" and "64" in env["msg"]


def test_unknown_endpoint_is_a_1001(api):
    env = parse_json(api.raw("nosuch", dumps(_signed())).body)
    assert env["kind"] == "1001"


def test_wrong_content_type_is_still_answered_in_the_envelope(api):
    resp = api.raw("network", dumps(_signed()), content_type="text/plain")
    assert resp.status_code == 200 and parse_json(resp.body)["kind"] == "0"


def test_bad_signature_is_1002_and_writes_nothing(api):
    body = _signed(paymentNo="P1", channelProduct="ali_scan_code", expireTime=expire_in(),
                   tradeFee="1.00", subject="门诊")
    body["tradeFee"] = "0.01"     # tampered after signing
    env = parse_json(api.raw("scancode", dumps(body)).body)
    assert env["kind"] == "1002"
    assert verify(env, DEMO_KEY)  # the ISV is known, so the error is signed
    assert _count_items() == 0


@pytest.mark.parametrize("skew_ms", [301_000, -301_000])
def test_timestamp_outside_the_replay_window_is_1003(api, skew_ms):
    body = {"isvId": 20000, "partnerId": 12345, "version": "1.0.0",
            "timestamp": now_ms() + skew_ms}
    body["sign"] = sign(body, DEMO_KEY)
    assert parse_json(api.raw("network", dumps(body)).body)["kind"] == "1003"


def test_unknown_isv_is_1004_with_an_empty_sign(api):
    api.isv_id = "99999"
    env = api.call("network")
    assert env["kind"] == "1004" and env["sign"] == ""


def test_isv_not_bound_to_the_merchant_is_1004(api):
    from chalicelib.domain.parties import Merchant
    from chalicelib.store.parties import put_merchant

    put_merchant(Merchant("777", "别的医院", True))
    api.partner_id = "777"
    assert api.call("network")["kind"] == "1004"


def test_disabled_isv_and_disabled_merchant_are_refused(api):
    from chalicelib.domain.parties import Isv, Merchant
    from chalicelib.store.parties import put_isv, put_merchant

    put_merchant(Merchant("12345", "测试医院", False))
    assert api.call("network")["kind"] == "1004"
    put_merchant(Merchant("12345", "测试医院", True))
    put_isv(Isv("20000", "ISV", DEMO_KEY, False, frozenset({"12345"})))
    assert api.call("network")["kind"] == "1004"


def test_unsupported_version_is_1005(api):
    body = {"isvId": 20000, "partnerId": 12345, "version": "2.0.0", "timestamp": now_ms()}
    body["sign"] = sign(body, DEMO_KEY)
    assert parse_json(api.raw("network", dumps(body)).body)["kind"] == "1005"


@pytest.mark.parametrize("field, value", [
    ("tradeFee", "0"), ("tradeFee", "-1.00"), ("tradeFee", "1.234"), ("tradeFee", "100000000"),
    ("tradeFee", True), ("subject", "a,b"), ("subject", ""), ("subject", "长" * 65),
    ("paymentNo", "x" * 33), ("paymentNo", "含空格 1"), ("channelProduct", "ali_bar_code"),
    ("expireTime", "2026/11/23 10:00:00"), ("sourceType", "emergency"), ("bizData", "{bad"),
    ("expandData", "[1]"), ("districtId", "d" * 33),
])
def test_each_field_rule_is_a_1001_naming_the_field(api, field, value):
    fields = dict(paymentNo="P1", channelProduct="ali_scan_code", expireTime=expire_in(),
                  tradeFee="1.00", subject="门诊")
    fields[field] = value
    env = api.call("scancode", **fields)
    assert env["kind"] == "1001" and field in env["msg"], env
    assert _count_items() == 0


@pytest.mark.parametrize("minutes", [-1, 121])
def test_expire_time_must_be_future_and_within_two_hours(api, minutes):
    env = api.call("scancode", paymentNo="P1", channelProduct="ali_scan_code",
                   expireTime=expire_in(minutes), tradeFee="1.00", subject="门诊")
    assert env["kind"] == "1001" and "expireTime" in env["msg"]


def test_missing_required_field_is_named(api):
    env = api.call("refund", paymentNo="P1", bizType="scan_pay", requestNo="R1", refundNo="H1")
    assert env["kind"] == "1001" and "refundFee" in env["msg"]


def test_numbers_may_arrive_as_json_numbers_or_strings(api):
    from decimal import Decimal

    env = api.call("scancode", paymentNo="P1", channelProduct="ali_scan_code",
                   expireTime=expire_in(), tradeFee=Decimal("1.10"), subject="门诊")
    assert env["kind"] == "0" and env["data"]["tradeFee"] == "1.10"


def test_an_internal_error_is_9999_with_a_request_id_and_no_trace(api, monkeypatch):
    from chalicelib.handlers import isv_api

    def boom(ctx, req):
        raise RuntimeError("secret detail")

    monkeypatch.setitem(isv_api.ENDPOINTS, "network",
                        isv_api.Endpoint(isv_api.NetworkRequest, boom))
    env = api.call("network")
    assert env["kind"] == "9999" and "请求号" in env["msg"] and "secret" not in env["msg"]


def test_openapi_document_is_served(api):
    resp = api.client.http.get("/openapi.json")
    assert resp.status_code == 200
    assert "/access/refund" in json.loads(resp.body)["paths"]
