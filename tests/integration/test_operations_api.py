"""The operations API: sessions, roles, merchant scope, abnormal handling, OTP, maker-checker,
audit, configuration."""
import json

import pytest
import requests

from chalicelib.domain.parties import Merchant
from chalicelib.handlers import jobs
from chalicelib.otp_sender import DEV_INBOX
from chalicelib.passwords import hash_password
from chalicelib.store import abnormal as abnormal_store
from chalicelib.store.parties import put_merchant, put_user
from tests.integration.conftest import eventually, expire_in

PASSWORD = "correct horse battery"


@pytest.fixture
def ops(api, demo):
    put_merchant(Merchant("777", "别的医院", True))
    h = hash_password(PASSWORD)
    for name, role, scope in [("admin", "admin", None), ("opA", "operator", {"12345"}),
                              ("opA2", "operator", {"12345"}), ("opB", "operator", {"777"}),
                              ("viewer", "viewer", None), ("fin", "finance", {"12345"})]:
        put_user(name, h, role, phone="13800000000", partner_ids=scope)
    return Console(api.client)


class Console:
    def __init__(self, client):
        self.client = client
        self.tokens: dict[str, str] = {}

    def login(self, user, password=PASSWORD):
        resp = self.client.http.post("/admin/api/login", headers={"Content-Type":
                                                                  "application/json"},
                                     body=json.dumps({"username": user, "password": password}))
        body = json.loads(resp.body)
        if resp.status_code == 200:
            self.tokens[user] = body["token"]
        return resp.status_code, body

    def req(self, user, method, path, body=None):
        if user not in self.tokens:
            assert self.login(user)[0] == 200
        resp = getattr(self.client.http, method)(
            path, headers={"Authorization": f"Bearer {self.tokens[user]}",
                           "Content-Type": "application/json"},
            body=json.dumps(body) if body is not None else None)
        return resp.status_code, json.loads(resp.body)

    def otp(self, user, purpose="refund"):
        status, _ = self.req(user, "post", "/admin/api/otp", {"purpose": purpose})
        assert status == 200
        return next(m["code"] for m in DEV_INBOX if m["username"] == user
                    and m["purpose"] == purpose)


def duplicate_payment(api, fee="6.00"):
    first = api.ok("scancode", paymentNo="P1", channelProduct="ali_scan_code", tradeFee=fee,
                   subject="门诊", expireTime=expire_in())
    second = api.ok("scancode", paymentNo="P1", channelProduct="ten_scan_code", tradeFee=fee,
                    subject="门诊", expireTime=expire_in())
    requests.post(second["payUrl"], json={"action": "pay"}, timeout=5)
    eventually(lambda: api.ok("query", bizType="scan_pay", paymentNo="P1")["tradeStatus"]
               == "pay_success")
    requests.post(first["payUrl"], json={"action": "pay", "ignoreClose": True}, timeout=5)
    eventually(lambda: abnormal_store.get(f"DUPLICATE_PAYMENT#{first['outPaymentNo']}"))
    return f"DUPLICATE_PAYMENT:{first['outPaymentNo']}"


def paid_order(api, simulator, payment_no, fee):
    api.ok("scancode", paymentNo=payment_no, channelProduct="ali_scan_code", tradeFee=fee,
           subject="x", expireTime=expire_in())
    out_no = api.ok("query", bizType="scan_pay", paymentNo=payment_no)["outPaymentNo"]
    requests.post(f"{simulator.base_url}/pay/ali/{out_no}", json={"action": "pay"}, timeout=5)
    eventually(lambda: api.ok("query", bizType="scan_pay", paymentNo=payment_no)
               ["tradeStatus"] == "pay_success")


def test_login_sessions_and_expiry(ops, clock):
    assert ops.login("admin", "wrong")[0] == 401
    assert ops.login("nobody", "x")[0] == 401
    status, body = ops.login("admin")
    assert status == 200 and body["role"] == "admin" and body["expiresAt"]
    assert ops.req("admin", "get", "/admin/api/me")[1]["username"] == "admin"
    clock.advance(hours=9)
    assert ops.req("admin", "get", "/admin/api/me")[0] == 401
    resp = ops.client.http.get("/admin/api/me")
    assert resp.status_code == 401


def test_operator_of_merchant_a_gets_nothing_about_merchant_b(api, ops, simulator):
    dup = duplicate_payment(api)
    assert ops.req("opB", "get", "/admin/api/orders/12345/P1")[0] == 404
    assert ops.req("opB", "get", "/admin/api/abnormal?partnerId=12345")[1]["items"] == []
    assert ops.req("opB", "get", "/admin/api/abnormal")[1]["items"] == []
    assert ops.req("opB", "post", f"/admin/api/abnormal/{dup}/handle",
                   {"action": "MARK_HANDLED", "note": "x"})[0] == 404
    assert ops.req("opB", "get", "/admin/api/orders?outPaymentNo="
                   + dup.split(":")[1])[1]["orders"] == []
    assert ops.req("opA", "get", "/admin/api/orders/12345/P1")[0] == 200
    assert len(ops.req("opA", "get", "/admin/api/abnormal")[1]["items"]) == 1


def test_a_viewer_cannot_refund_or_handle(api, ops, simulator):
    dup = duplicate_payment(api)
    assert ops.req("viewer", "post", "/admin/api/otp", {"purpose": "refund"})[0] == 403
    assert ops.req("viewer", "post", "/admin/api/refunds", {
        "partnerId": "12345", "paymentNo": "P1", "refundFee": "1.00", "note": "x",
        "otp": "123456"})[0] == 403
    assert ops.req("viewer", "post", f"/admin/api/abnormal/{dup}/handle",
                   {"action": "MARK_HANDLED", "note": "x"})[0] == 403
    assert ops.req("viewer", "get", "/admin/api/orders/12345/P1")[0] == 200


def test_mark_handled_and_offline_refunded_move_items_out_of_the_unhandled_list(
        api, ops, simulator, clock):
    dup = duplicate_payment(api)
    status, body = ops.req("opA", "post", f"/admin/api/abnormal/{dup}/handle",
                           {"action": "MARK_OFFLINE_REFUNDED", "note": "窗口已现金退还"})
    assert status == 200 and body["item"]["status"] == "HANDLED"
    assert body["item"]["handlingName"] == "已线下退款" and body["item"]["operator"] == "opA"
    assert ops.req("opA", "get", "/admin/api/abnormal?status=UNHANDLED")[1]["items"] == []
    assert ops.req("opA", "post", f"/admin/api/abnormal/{dup}/handle",
                   {"action": "MARK_HANDLED", "note": "again"})[0] == 409
    audit = ops.req("admin", "get", "/admin/api/audit")[1]["items"]
    assert any(a["action"] == "abnormal.MARK_OFFLINE_REFUNDED" and a["actor"] == "opA"
               and a["note"] == "窗口已现金退还" for a in audit)


def test_refund_action_needs_a_one_time_code_and_refunds_the_abnormal_payment(
        api, ops, simulator):
    dup = duplicate_payment(api)
    path = f"/admin/api/abnormal/{dup}/handle"
    assert ops.req("opA", "post", path, {"action": "REFUND", "note": "重复支付"})[0] == 403
    assert ops.req("opA", "post", path, {"action": "REFUND", "note": "x",
                                         "otp": "000000"})[0] == 403
    code = ops.otp("opA")
    status, body = ops.req("opA", "post", path, {"action": "REFUND", "note": "重复支付",
                                                 "otp": code})
    assert status == 200 and body["refund"]["status"] == "SUCCESS"
    assert body["refund"]["refundFee"] == "6.00"
    assert abnormal_store.get(dup.replace(":", "#")).handling == "REFUND"
    # the code was used up
    assert ops.req("opA", "post", "/admin/api/refunds", {
        "partnerId": "12345", "paymentNo": "P1", "refundFee": "1.00", "note": "x",
        "otp": code})[0] == 403


def test_money_above_the_threshold_needs_a_second_person(api, ops, simulator):
    paid_order(api, simulator, "BIG", "3000.00")
    status, body = ops.req("opA", "post", "/admin/api/refunds", {
        "partnerId": "12345", "paymentNo": "BIG", "refundFee": "2000.00", "note": "出院结算",
        "otp": ops.otp("opA")})
    assert status == 202 and body["status"] == "PROPOSED"
    pid = body["proposalId"]
    assert not [k for k in simulator.calls if k[1] == "refund"]
    assert ops.req("opA", "post", f"/admin/api/proposals/{pid}/approve",
                   {"note": "self", "otp": ops.otp("opA", "approve")})[0] == 403
    assert ops.req("opB", "post", f"/admin/api/proposals/{pid}/approve",
                   {"note": "x", "otp": "123456"})[0] == 404
    status, body = ops.req("fin", "post", f"/admin/api/proposals/{pid}/approve",
                           {"note": "核对无误", "otp": ops.otp("fin", "approve")})
    assert status == 200 and body["refund"]["status"] == "SUCCESS"
    assert api.ok("query", bizType="scan_pay", paymentNo="BIG")["refundedFee"] == "2000.00"
    assert ops.req("opA2", "post", f"/admin/api/proposals/{pid}/approve",
                   {"note": "again", "otp": ops.otp("opA2", "approve")})[0] == 409


def test_release_a_risk_held_refund_from_its_abnormal_order(api, ops, simulator):
    from chalicelib.domain.risk import RiskRule, rule_to_dict
    from chalicelib.store.models import MerchantModel

    paid_order(api, simulator, "P2", "50.00")
    MerchantModel("12345").update(actions=[MerchantModel.risk_rules.set(json.dumps(
        [rule_to_dict(RiskRule(0, max_amount=1000))]))])
    env = api.call("refund", paymentNo="P2", bizType="scan_pay", requestNo="R1",
                   refundNo="H1", refundFee="20.00")
    assert env["kind"] == "2005"
    [item] = ops.req("opA", "get", "/admin/api/abnormal?type=REFUND_FAILED")[1]["items"]
    assert item["reason"] == "单位天内退款总额超限，该笔退款订单已进入风控"
    status, body = ops.req("opA", "post", f"/admin/api/abnormal/{item['id']}/handle", {
        "action": "REFUND", "note": "医院确认退款", "otp": ops.otp("opA", "release")})
    assert status == 200 and body["refund"]["status"] == "SUCCESS"
    assert api.ok("refundQuery", requestNo="R1")["tradeStatus"] == "refund_success"


def test_resend_a_failed_notification(api, ops, simulator, hospital, clock):
    paid_order(api, simulator, "P3", "1.00")
    hospital.business_down = True
    for _ in range(40):
        jobs.dispatch_notifications(clock.advance(hours=6))
    detail = ops.req("opA", "get", "/admin/api/orders/12345/P3")[1]
    [notice] = detail["notifications"]
    assert notice["state"] == "FAILED"
    hospital.business_down = False
    status, body = ops.req("opA", "post",
                           f"/admin/api/notifications/12345/{notice['notifyId']}/resend")
    assert status == 200 and body["notification"]["state"] == "PENDING"
    jobs.dispatch_notifications(clock.advance(seconds=1))
    assert len(hospital.received) == 1


def test_merchant_configuration_and_key_rotation(api, ops):
    status, body = ops.req("admin", "put", "/admin/api/merchants/12345", {
        "autoRefund": True, "notifyUrl": "https://his.example/notify",
        "riskRules": [{"windowMinutes": 1, "maxCount": 3}, {"windowMinutes": 0,
                                                           "maxAmount": "5000.00"}],
        "makerCheckerYuan": "500.00"})
    assert status == 200 and body["merchant"]["autoRefund"] is True
    assert body["merchant"]["riskRules"][1]["maxAmount"] == "5000.00"
    assert ops.req("opA", "put", "/admin/api/merchants/12345", {"autoRefund": False})[0] == 403
    assert ops.req("admin", "put", "/admin/api/merchants/12345",
                   {"riskRules": [{"windowMinutes": -1}]})[0] == 400
    status, body = ops.req("admin", "post", "/admin/api/isvs/20000/rotate-key")
    assert status == 200 and len(body["key"]) == 32
    from chalicelib.signing import dumps, parse_json

    old = parse_json(api.raw("network", dumps(api.signed({}))).body)
    assert old["kind"] == "1002"                           # the old key stops working
    api.key = body["key"]
    assert api.call("network")["kind"] == "0"


@pytest.mark.parametrize("body", ["not json", "[]", '{"action":"NOPE","note":"x"}',
                                  '{"action":"MARK_HANDLED"}', '{"action":"MARK_HANDLED",'
                                  '"note":"x","extra":1}'])
def test_bad_console_input_is_a_400_never_a_500(api, ops, simulator, body):
    dup = duplicate_payment(api)
    ops.login("opA")
    resp = ops.client.http.post(f"/admin/api/abnormal/{dup}/handle", body=body, headers={
        "Authorization": f"Bearer {ops.tokens['opA']}", "Content-Type": "application/json"})
    assert resp.status_code == 400 and "error" in json.loads(resp.body)


def test_admin_creates_a_hospital_an_isv_and_a_scoped_user(api, ops):
    status, body = ops.req("admin", "post", "/admin/api/merchants", {
        "partnerId": "888", "name": "新院区", "channelAccounts": {"ali": "2088888"},
        "autoRefund": True})
    assert status == 201 and body["merchant"]["channelAccounts"] == {"ali": "2088888"}
    assert ops.req("admin", "post", "/admin/api/merchants",
                   {"partnerId": "888", "name": "x"})[0] == 409
    status, body = ops.req("admin", "put", "/admin/api/isvs/30000",
                           {"name": "新 ISV", "partnerIds": ["888"]})
    assert status == 201 and len(body["key"]) == 32
    assert "key" not in ops.req("admin", "get", "/admin/api/isvs/30000")[1]["isv"]
    from tests.support import ChaliceIsvClient

    new_isv = ChaliceIsvClient(api.client, isv_id="30000", partner_id="888", key=body["key"])
    assert new_isv.call("network")["kind"] == "0"
    assert ops.req("admin", "put", "/admin/api/isvs/30000", {"enabled": False})[0] == 200
    assert new_isv.call("network")["kind"] == "1004"
    status, _ = ops.req("admin", "post", "/admin/api/users", {
        "username": "op888", "password": "a-long-password", "role": "operator",
        "partnerIds": ["888"]})
    assert status == 201
    ops.login("op888", "a-long-password")
    assert ops.req("op888", "get", "/admin/api/orders/12345/P1")[0] == 404
    assert ops.req("opA", "post", "/admin/api/users", {
        "username": "x1", "password": "a-long-password", "role": "viewer"})[0] == 403


def test_repeated_wrong_passwords_lock_the_login_for_a_while(ops, clock):
    for _ in range(5):
        assert ops.login("opA", "wrong")[0] == 401
    assert ops.login("opA")[0] == 429
    clock.advance(minutes=31)
    assert ops.login("opA")[0] == 200
