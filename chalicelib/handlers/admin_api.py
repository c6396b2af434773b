"""The operations API (SPEC §5, §8) under ``/admin/api``: what the console sits on.

Every call: authenticate the session → check the role's permission and the merchant scope →
validate the body → act through the same services the ISV API uses → audit → answer JSON.
Money-moving actions need a one-time code; above the merchant's threshold they are proposed by
one user and take effect when a second user approves (maker-checker).
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any, Callable

from pydantic import ValidationError

from ..clock import now, to_wire
from ..domain.abnormal import ABNORMAL_PAYMENTS, HANDLING_NAMES, TYPE_NAMES, AbnormalType, Handling
from ..domain.access import Perm, User, needs_second_person
from ..domain.parties import Isv, Merchant
from ..domain.risk import RiskRule, rule_to_dict
from ..errors import UppError
from ..money import fen_to_yuan
from ..otp_sender import DEV_INBOX, sender
from ..passwords import check_password, hash_password
from ..store import abnormal as abnormal_store
from ..store import admin as admin_store
from ..store import orders as order_store
from ..store import outbox
from ..store import refunds as refund_store
from ..store.parties import get_isv, get_merchant, put_isv, put_merchant, put_user
from . import admin_contract as c
from .refund_service import RefundAsk, open_refund, release
from .wire import query_data, refund_data


class AdminError(Exception):
    def __init__(self, status: int, msg: str):
        super().__init__(msg)
        self.status, self.msg = status, msg


Answer = tuple[int, dict]


def _body(model, raw: bytes | None):
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        raise AdminError(400, "请求体不是合法的 JSON") from None
    if not isinstance(data, dict):
        raise AdminError(400, "请求体必须是 JSON 对象")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in err["loc"]) or "body"
        raise AdminError(400, f"参数 {field} 错误：{err['msg']}"[:200]) from None


def _user(headers: dict[str, str], at: datetime) -> User:
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    token = auth[7:] if auth.startswith("Bearer ") else ""
    username = admin_store.session_user(token, at) if token else None
    found = admin_store.get_user(username) if username else None
    if found is None or not found[0].enabled:
        raise AdminError(401, "未登录或会话已过期")
    return found[0]


def _need(user: User, perm: Perm, partner_id: str | None = None) -> None:
    if not user.can(perm):
        raise AdminError(403, "没有权限")
    if partner_id is not None and not user.sees(partner_id):
        raise AdminError(404, "不存在")     # another merchant's data: not even its existence


def _otp(user: User, purpose: str, code: str | None, at: datetime) -> None:
    if not code or not admin_store.consume_otp(user.username, purpose, code, at):
        raise AdminError(403, "验证码错误或已过期")


# ------------------------------------------------------------------ session
def login(raw: bytes | None, at: datetime) -> Answer:
    body = _body(c.Login, raw)
    if admin_store.login_locked(body.username, at):
        raise AdminError(429, "登录失败次数过多，请 15 分钟后再试")
    found = admin_store.get_user(body.username)
    # Same answer and similar work whether the user exists or not.
    stored = found[1] if found else "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44
    if not check_password(body.password, stored) or not found or not found[0].enabled:
        admin_store.audit(body.username, "login.failed", "session", at)
        admin_store.count_login_failure(body.username, at)
        raise AdminError(401, "用户名或密码错误")
    token, expires = admin_store.new_session(body.username, at)
    admin_store.audit(body.username, "login", "session", at)
    return 200, {"token": token, "expiresAt": to_wire(expires), "role": found[0].role}


def logout(user: User, headers: dict, at: datetime) -> Answer:
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    admin_store.end_session(auth[7:])
    return 200, {"ok": True}


def me(user: User) -> Answer:
    return 200, {"username": user.username, "role": user.role,
                 "partnerIds": sorted(user.partner_ids)}


def request_otp(user: User, raw: bytes | None, at: datetime) -> Answer:
    body = _body(c.OtpRequest, raw)
    _need(user, Perm.MONEY)
    code = admin_store.issue_otp(user.username, body.purpose, at)
    sender().send(user.phone, user.username, code, body.purpose)
    return 200, {"sent": True, "expiresInSeconds": 300}


# ------------------------------------------------------------------ orders
def order_detail(user: User, partner_id: str, payment_no: str) -> Answer:
    _need(user, Perm.READ, partner_id)
    order = order_store.get_order(partner_id, payment_no)
    if order is None:
        raise AdminError(404, "订单不存在")
    attempts = order_store.attempts_of(order)
    refunds = refund_store.refunds_of_order(partner_id, payment_no)
    notices = [n for n in (outbox.get(f"pay#{a.out_payment_no}") for a in attempts) if n] + \
        [n for n in (outbox.get(f"refund#{r.out_refund_no}") for r in refunds) if n]
    return 200, {
        "order": _order_summary(order, attempts),
        "attempts": [{"outPaymentNo": a.out_payment_no, "channelProduct": a.product,
                      "status": a.status.value, "abnormal": a.abnormal.value if a.abnormal
                      else None, "tradeFee": fen_to_yuan(a.trade_fee),
                      "inPaymentNo": a.in_payment_no, "paidAt": to_wire(a.paid_at),
                      "refundedFee": fen_to_yuan(a.refunded_fee)} for a in attempts],
        "refunds": [{**refund_data(r).wire(), "status": r.status.value, "origin": r.origin,
                     "holdReason": r.hold_reason} for r in refunds],
        "notifications": [_notice(n) for n in notices],
    }


def _order_summary(order, attempts) -> dict:
    current = next((a for a in attempts if a.out_payment_no ==
                    (order.paid_attempt or order.current_attempt)), attempts[0])
    return {**query_data(order, current).wire(), "partnerId": order.partner_id,
            "subject": order.subject, "createdAt": to_wire(order.created_at),
            "expireTime": to_wire(order.expire_at),
            "refundableFee": fen_to_yuan(order.refundable_fee)}


def _notice(n) -> dict:
    return {"notifyId": n.notify_id, "notifyType": n.kind, "state": n.state,
            "attempts": n.attempts, "lastStatus": n.last_status, "lastError": n.last_error,
            "createdAt": to_wire(n.created_at), "deliveredAt": to_wire(n.delivered_at),
            "id": n.pk}


def search_orders(user: User, q: dict) -> Answer:
    _need(user, Perm.READ)
    partner_id = q.get("partnerId")
    if q.get("outPaymentNo"):
        attempt = order_store.get_attempt(q["outPaymentNo"])
        if attempt is None or not user.sees(attempt.partner_id):
            return 200, {"orders": []}
        partner_id, q = attempt.partner_id, {**q, "paymentNo": attempt.payment_no}
    if not partner_id or not q.get("paymentNo"):
        raise AdminError(400, "请提供 partnerId 与 paymentNo，或 outPaymentNo")
    order = order_store.get_order(partner_id, q["paymentNo"]) if user.sees(partner_id) else None
    if order is None:
        return 200, {"orders": []}
    return 200, {"orders": [_order_summary(order, order_store.attempts_of(order))]}


# ------------------------------------------------------------------ abnormal orders
def _abnormal_view(a) -> dict:
    return {"id": a.pk.replace("#", ":"), "type": a.kind.value, "typeName": TYPE_NAMES[a.kind],
            "reason": a.reason, "partnerId": a.partner_id, "paymentNo": a.payment_no,
            "outPaymentNo": a.out_payment_no, "outRefundNo": a.out_refund_no,
            "requestNo": a.request_no, "amount": fen_to_yuan(a.amount),
            "status": a.status.value, "statusName": "未处理" if a.status.value == "UNHANDLED"
            else "已处理", "handling": a.handling,
            "handlingName": HANDLING_NAMES.get(Handling(a.handling)) if a.handling else None,
            "operator": a.operator, "note": a.note, "createdAt": to_wire(a.created_at),
            "updatedAt": to_wire(a.updated_at)}


def list_abnormal(user: User, q: dict) -> Answer:
    _need(user, Perm.READ)
    if q.get("type") and q["type"] not in AbnormalType.__members__:
        raise AdminError(400, "参数 type 错误")
    if q.get("status") and q["status"] not in ("UNHANDLED", "HANDLED"):
        raise AdminError(400, "参数 status 错误")
    scope = user.scope(q.get("partnerId"))
    if scope is None and not q.get("day"):
        raise AdminError(400, "请选择医院（partnerId）或日期（day）")
    if q.get("day"):
        try:
            datetime.strptime(q["day"], "%Y-%m-%d")
        except ValueError:
            raise AdminError(400, "参数 day 错误：yyyy-MM-dd") from None
    found = abnormal_store.search(partner_ids=scope, day=q.get("day"), kind=q.get("type"),
                                  status=q.get("status"))
    return 200, {"items": [_abnormal_view(a) for a in found if user.sees(a.partner_id)]}


def _load_abnormal(user: User, abnormal_id: str):
    a = abnormal_store.get(abnormal_id.replace(":", "#"))
    if a is None or not user.sees(a.partner_id):
        raise AdminError(404, "异常订单不存在")
    return a


def handle_abnormal(user: User, abnormal_id: str, raw: bytes | None, at: datetime) -> Answer:
    body = _body(c.HandleAbnormal, raw)
    a = _load_abnormal(user, abnormal_id)
    if a.status.value == "HANDLED":
        raise AdminError(409, "该异常订单已处理")
    action = Handling(body.action)
    if action is not Handling.REFUND:
        _need(user, Perm.HANDLE, a.partner_id)
        if not abnormal_store.handle(a.pk, action, user.username, body.note, at):
            raise AdminError(409, "该异常订单已处理")
        admin_store.audit(user.username, f"abnormal.{action.value}", a.pk, at, a.partner_id,
                          before={"status": "UNHANDLED"}, after={"status": "HANDLED"},
                          note=body.note)
        return 200, {"item": _abnormal_view(abnormal_store.get(a.pk))}
    _need(user, Perm.MONEY, a.partner_id)
    plan = _refund_plan(a)
    return _money(user, a.partner_id, plan, body.otp, body.note, at)


def _refund_plan(a) -> dict:
    """What 退款 means for each abnormal type."""
    if a.kind in ABNORMAL_PAYMENTS or (a.kind is AbnormalType.REFUND_FAILED
                                       and a.request_no is None):
        attempt = order_store.get_attempt(a.out_payment_no or "")
        if attempt is None or attempt.refundable_fee <= 0:
            raise AdminError(409, "该笔异常支付已无可退金额")
        return {"kind": "refund_attempt", "partnerId": a.partner_id, "abnormal": a.pk,
                "paymentNo": attempt.payment_no, "outPaymentNo": attempt.out_payment_no,
                "fee": attempt.refundable_fee}
    if a.kind is AbnormalType.REFUND_FAILED:
        refund = refund_store.get_refund(a.partner_id, a.request_no)
        if refund is None or refund.status.value != "RISK_HOLD":
            raise AdminError(409, "该退款不在风控中")
        return {"kind": "release", "partnerId": a.partner_id, "abnormal": a.pk,
                "requestNo": a.request_no, "fee": refund.refund_fee}
    if a.kind is AbnormalType.PAY_NOTIFY_FAILED:
        order = order_store.get_order(a.partner_id, a.payment_no or "")
        if order is None or order.refundable_fee <= 0:
            raise AdminError(409, "订单已无可退金额")
        return {"kind": "refund_order", "partnerId": a.partner_id, "abnormal": a.pk,
                "paymentNo": order.payment_no, "fee": order.refundable_fee}
    raise AdminError(409, "该类型的异常订单请使用订单自助退款")


def _money(user: User, partner_id: str, plan: dict, otp: str | None, note: str,
           at: datetime) -> Answer:
    """Run a money-moving plan now, or propose it when it needs a second person."""
    _otp(user, "refund" if plan["kind"] != "release" else "release", otp, at)
    merchant = get_merchant(partner_id)
    if merchant is None:
        raise AdminError(404, "医院不存在")
    plan = {**plan, "note": note}
    if needs_second_person(plan["fee"], merchant.maker_checker_fen):
        pid = admin_store.propose(partner_id, plan, plan["fee"], user.username, at)
        admin_store.audit(user.username, "proposal.created", pid, at, partner_id,
                          after=plan, note=note)
        return 202, {"proposalId": pid, "status": "PROPOSED",
                     "msg": "金额超过阈值，需另一位有权限的用户审批后生效"}
    return 200, _execute(user.username, plan, at)


def _execute(actor: str, plan: dict, at: datetime) -> dict:
    merchant = get_merchant(plan["partnerId"])
    try:
        if plan["kind"] == "release":
            refund = release(merchant, refund_store.get_refund(plan["partnerId"],
                                                               plan["requestNo"]), at)
        else:
            request_no = ("OPS" + uuid.uuid4().hex[:20]).upper()
            refund = open_refund(merchant, RefundAsk(
                request_no=request_no, refund_fee=plan["fee"], refund_no=request_no,
                payment_no=plan["paymentNo"],
                target="attempt" if plan["kind"] == "refund_attempt" else "order",
                out_payment_no=plan.get("outPaymentNo"), origin="operator",
                apply_risk=False), at)
    except UppError as exc:
        admin_store.audit(actor, f"{plan['kind']}.refused", plan.get("abnormal") or
                          plan.get("paymentNo", ""), at, plan["partnerId"], after=plan,
                          note=exc.msg)
        raise AdminError(409, exc.msg) from None
    if plan.get("abnormal"):
        abnormal_store.handle(plan["abnormal"], Handling.REFUND, actor, plan["note"], at)
    result = {**refund_data(refund).wire(), "status": refund.status.value}
    admin_store.audit(actor, plan["kind"], plan.get("abnormal") or refund.out_refund_no, at,
                      plan["partnerId"], after=result, note=plan["note"])
    return {"refund": result}


def self_service_refund(user: User, raw: bytes | None, at: datetime) -> Answer:
    """订单自助退款: refund a paid order from the console."""
    body = _body(c.SelfServiceRefund, raw)
    _need(user, Perm.MONEY, body.partnerId)
    order = order_store.get_order(body.partnerId, body.paymentNo)
    if order is None:
        raise AdminError(404, "订单不存在")
    if body.refundFee > order.refundable_fee:
        raise AdminError(409, f"退款金额超过可退金额（可退 {fen_to_yuan(order.refundable_fee)} 元）")
    plan = {"kind": "refund_order", "partnerId": body.partnerId, "paymentNo": body.paymentNo,
            "fee": body.refundFee}
    return _money(user, body.partnerId, plan, body.otp, body.note, at)


def release_refund(user: User, partner_id: str, request_no: str, raw: bytes | None,
                   at: datetime) -> Answer:
    body = _body(c.WithOtp, raw)
    _need(user, Perm.MONEY, partner_id)
    refund = refund_store.get_refund(partner_id, request_no)
    if refund is None:
        raise AdminError(404, "退款不存在")
    plan = {"kind": "release", "partnerId": partner_id, "requestNo": request_no,
            "fee": refund.refund_fee, "abnormal": f"REFUND_FAILED#{refund.out_refund_no}"}
    return _money(user, partner_id, plan, body.otp, body.note, at)


def decide_proposal(user: User, pid: str, approve: bool, raw: bytes | None,
                    at: datetime) -> Answer:
    body = _body(c.WithOtp, raw)
    p = admin_store.get_proposal(pid)
    if p is None or not user.sees(p["partnerId"]):
        raise AdminError(404, "审批单不存在")
    _need(user, Perm.MONEY, p["partnerId"])
    if p["maker"] == user.username:
        raise AdminError(403, "不能审批自己发起的操作")
    _otp(user, "approve", body.otp, at)
    if not admin_store.decide(pid, user.username, "APPROVED" if approve else "REJECTED", at):
        raise AdminError(409, "审批单已处理")
    admin_store.audit(user.username, "proposal.approved" if approve else "proposal.rejected",
                      pid, at, p["partnerId"], before=p, note=body.note)
    if not approve:
        return 200, {"proposalId": pid, "status": "REJECTED"}
    result = _execute(user.username, p["action"], at)
    admin_store.record_result(pid, json.dumps(result, ensure_ascii=False))
    return 200, {"proposalId": pid, "status": "APPROVED", **result}


def resend_notification(user: User, partner_id: str, notify_id: str, at: datetime) -> Answer:
    _need(user, Perm.HANDLE, partner_id)
    n = outbox.by_notify_id(partner_id, notify_id)
    if n is None:
        raise AdminError(404, "通知不存在")
    outbox.resend(n.pk, at)
    admin_store.audit(user.username, "notification.resend", n.notify_id, at, partner_id,
                      before={"state": n.state, "attempts": n.attempts},
                      after={"state": "PENDING"})
    return 200, {"notification": _notice(outbox.get(n.pk))}


# ------------------------------------------------------------------ configuration
def _merchant_view(m) -> dict:
    return {"partnerId": m.partner_id, "name": m.name, "enabled": m.enabled,
            "notifyUrl": m.notify_url, "hisQueryUrl": m.his_query_url,
            "autoRefund": m.auto_refund, "refundWindowDays": m.refund_window_days,
            "riskRules": [{**rule_to_dict(r), "maxAmount": fen_to_yuan(r.max_amount)
                           if r.max_amount is not None else None} for r in m.risk_rules],
            "makerCheckerYuan": fen_to_yuan(m.maker_checker_fen),
            "channelAccounts": m.channel_accounts}


def get_merchant_config(user: User, partner_id: str) -> Answer:
    _need(user, Perm.READ, partner_id)
    m = get_merchant(partner_id)
    if m is None:
        raise AdminError(404, "医院不存在")
    return 200, {"merchant": _merchant_view(m)}


def update_merchant(user: User, partner_id: str, raw: bytes | None, at: datetime) -> Answer:
    body = _body(c.MerchantUpdate, raw)
    _need(user, Perm.CONFIG, partner_id)
    before = get_merchant(partner_id)
    if before is None:
        raise AdminError(404, "医院不存在")
    changes: dict[str, Any] = {}
    for field, attr in (("name", "name"), ("enabled", "enabled"), ("notifyUrl", "notify_url"),
                        ("hisQueryUrl", "his_query_url"), ("autoRefund", "auto_refund")):
        if getattr(body, field) is not None:
            changes[attr] = getattr(body, field)
    if body.refundWindowDays is not None:
        changes["refund_window_days"] = dict(body.refundWindowDays)
    if body.riskRules is not None:
        changes["risk_rules"] = tuple(RiskRule(r.windowMinutes, r.maxCount, r.maxAmount)
                                      for r in body.riskRules)
    if body.makerCheckerYuan is not None:
        changes["maker_checker_fen"] = body.makerCheckerYuan
    after = replace(before, **changes)
    put_merchant(after)
    admin_store.audit(user.username, "merchant.update", partner_id, at, partner_id,
                      before=_merchant_view(before), after=_merchant_view(after))
    return 200, {"merchant": _merchant_view(after)}


def rotate_isv_key(user: User, isv_id: str, at: datetime) -> Answer:
    """A new signing key, shown once; the old one stops working at once."""
    _need(user, Perm.CONFIG)
    isv = get_isv(isv_id)
    if isv is None or not all(user.sees(p) for p in isv.partner_ids):
        raise AdminError(404, "ISV 不存在")
    key = secrets.token_hex(16)
    put_isv(replace(isv, sign_key=key))
    admin_store.audit(user.username, "isv.rotate_key", isv_id, at,
                      note="密钥已轮换（密钥本身不记录）")
    return 200, {"isvId": isv_id, "key": key}


def create_merchant(user: User, raw: bytes | None, at: datetime) -> Answer:
    body = _body(c.MerchantCreate, raw)
    _need(user, Perm.CONFIG)
    if user.partner_ids:
        raise AdminError(403, "只有不限医院的管理员可以新增医院")
    if get_merchant(body.partnerId) is not None:
        raise AdminError(409, "医院已存在")
    m = Merchant(partner_id=body.partnerId, name=body.name, enabled=body.enabled is not False,
                 notify_url=body.notifyUrl, his_query_url=body.hisQueryUrl,
                 auto_refund=bool(body.autoRefund),
                 refund_window_days=dict(body.refundWindowDays or {}),
                 channel_accounts=dict(body.channelAccounts),
                 risk_rules=tuple(RiskRule(r.windowMinutes, r.maxCount, r.maxAmount)
                                  for r in body.riskRules or ()))
    if body.makerCheckerYuan is not None:
        m = replace(m, maker_checker_fen=body.makerCheckerYuan)
    put_merchant(m)
    admin_store.audit(user.username, "merchant.create", m.partner_id, at, m.partner_id,
                      after=_merchant_view(m))
    return 201, {"merchant": _merchant_view(m)}


def _isv_view(isv) -> dict:
    return {"isvId": isv.isv_id, "name": isv.name, "enabled": isv.enabled,
            "partnerIds": sorted(isv.partner_ids)}       # never the key


def get_isv_config(user: User, isv_id: str) -> Answer:
    _need(user, Perm.READ)
    isv = get_isv(isv_id)
    if isv is None or not all(user.sees(p) for p in isv.partner_ids):
        raise AdminError(404, "ISV 不存在")
    return 200, {"isv": _isv_view(isv)}


def upsert_isv(user: User, isv_id: str, raw: bytes | None, at: datetime) -> Answer:
    """Create an ISV (its key is returned once) or change its name, state and merchants."""
    body = _body(c.IsvUpsert, raw)
    _need(user, Perm.CONFIG)
    if user.partner_ids:
        raise AdminError(403, "只有不限医院的管理员可以配置 ISV")
    if not re.fullmatch(r"[0-9]{1,15}", isv_id):
        raise AdminError(400, "isvId 应为 1–15 位数字")
    for pid in body.partnerIds or ():
        if get_merchant(pid) is None:
            raise AdminError(400, f"医院 {pid} 不存在")
    before = get_isv(isv_id)
    key = None
    if before is None:
        if not body.name:
            raise AdminError(400, "新建 ISV 需要 name")
        key = secrets.token_hex(16)
        after = Isv(isv_id, body.name, key, body.enabled is not False,
                    frozenset(body.partnerIds or ()))
    else:
        after = replace(before, name=body.name or before.name,
                        enabled=before.enabled if body.enabled is None else body.enabled,
                        partner_ids=before.partner_ids if body.partnerIds is None
                        else frozenset(body.partnerIds))
    put_isv(after)
    admin_store.audit(user.username, "isv.create" if before is None else "isv.update", isv_id,
                      at, before=_isv_view(before) if before else None, after=_isv_view(after))
    answer = {"isv": _isv_view(after)}
    if key:
        answer["key"] = key
    return (201 if before is None else 200), answer


def create_user(user: User, raw: bytes | None, at: datetime) -> Answer:
    body = _body(c.UserCreate, raw)
    _need(user, Perm.CONFIG)
    if user.partner_ids and (not body.partnerIds or
                             not set(body.partnerIds) <= set(user.partner_ids)):
        raise AdminError(403, "只能为自己管理的医院创建用户")
    if admin_store.get_user(body.username) is not None:
        raise AdminError(409, "用户已存在")
    put_user(body.username, hash_password(body.password), body.role, body.phone,
             set(body.partnerIds) or None)
    admin_store.audit(user.username, "user.create", body.username, at,
                      after={"role": body.role, "partnerIds": body.partnerIds})
    return 201, {"username": body.username, "role": body.role,
                 "partnerIds": sorted(body.partnerIds)}


def audit_log(user: User, q: dict) -> Answer:
    _need(user, Perm.READ)
    day = q.get("day") or now().strftime("%Y-%m-%d")
    rows = [r for r in admin_store.audit_of_day(day)
            if (r["partnerId"] is None and not user.partner_ids)
            or (r["partnerId"] is not None and user.sees(r["partnerId"]))]
    return 200, {"day": day, "items": rows}


def dev_inbox(stage: str) -> Answer:
    if stage not in ("local", "test"):
        raise AdminError(404, "不存在")
    return 200, {"messages": list(DEV_INBOX)}


# ------------------------------------------------------------------ the one entry point
def run(fn: Callable[..., Answer], headers: dict | None = None,
        public: bool = False) -> Answer:
    """Authenticate (unless public), call ``fn(user, at)`` (public: ``fn(at)``), and turn every
    failure into a JSON error — never a stack trace."""
    at = now()
    try:
        if public:
            return fn(at)
        return fn(_user(headers or {}, at), at)
    except AdminError as exc:
        return exc.status, {"error": exc.msg}
    except UppError as exc:
        return 409, {"error": exc.msg}
    except Exception:   # noqa: BLE001
        request_id = uuid.uuid4().hex[:16]
        logging.getLogger("upp").exception("admin.internal_error requestId=%s", request_id)
        return 500, {"error": f"系统内部错误，请求号 {request_id}"}
