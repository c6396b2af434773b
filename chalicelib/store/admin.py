"""Console users, sessions, one-time codes, maker-checker proposals and the audit log."""
from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from ..clock import CST
from ..domain.access import User
from .db import conditional_update, cst
from .models import AuditModel, CounterModel, OtpModel, ProposalModel, SessionModel, UserModel

SESSION_TTL = timedelta(hours=8)
OTP_TTL = timedelta(minutes=5)
OTP_TRIES = 5


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------ users
def get_user(username: str) -> tuple[User, str] | None:
    """The user and their password hash."""
    try:
        m = UserModel.get(username, consistent_read=True)
    except DoesNotExist:
        return None
    return User(m.username, m.role, frozenset(m.partner_ids or ()), m.phone,
                bool(m.enabled)), m.password_hash


# ------------------------------------------------------------------ sessions
def new_session(username: str, at: datetime) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires = at + SESSION_TTL
    SessionModel(_sha(token), username=username, created_at=at, expires=expires).save()
    return token, expires


def session_user(token: str, at: datetime) -> str | None:
    try:
        m = SessionModel.get(_sha(token), consistent_read=True)
    except DoesNotExist:
        return None
    # TTL deletion is lazy in DynamoDB: check the expiry ourselves.
    return m.username if cst(m.expires) > at else None


def end_session(token: str) -> None:
    try:
        SessionModel(_sha(token)).delete()
    except DoesNotExist:
        pass


LOGIN_FAILURES = 5
LOCK_WINDOW = timedelta(minutes=15)


def _lock_key(username: str, at: datetime) -> str:
    window = int(at.timestamp()) // int(LOCK_WINDOW.total_seconds())
    return f"login-fail#{username}#{window}"


def count_login_failure(username: str, at: datetime) -> None:
    conditional_update(CounterModel(_lock_key(username, at)),
                       [CounterModel.hits.add(1), CounterModel.expires.set(at + LOCK_WINDOW * 2)],
                       CounterModel.pk.exists() | CounterModel.pk.does_not_exist())


def login_locked(username: str, at: datetime) -> bool:
    try:
        return int(CounterModel.get(_lock_key(username, at), consistent_read=True).hits) \
            >= LOGIN_FAILURES
    except DoesNotExist:
        return False


# ------------------------------------------------------------------ one-time codes
def issue_otp(username: str, purpose: str, at: datetime) -> str:
    code = f"{secrets.randbelow(10**6):06d}"
    OtpModel(f"{username}#{purpose}", code_hash=_sha(f"{username}#{purpose}#{code}"), tries=0,
             expires=at + OTP_TTL).save()
    return code


def consume_otp(username: str, purpose: str, code: str, at: datetime) -> bool:
    """True once for the right code within 5 minutes; 5 wrong tries burn it."""
    pk = f"{username}#{purpose}"
    try:
        m = OtpModel.get(pk, consistent_read=True)
    except DoesNotExist:
        return False
    if cst(m.expires) <= at or m.tries >= OTP_TRIES:
        return False
    if not secrets.compare_digest(m.code_hash, _sha(f"{pk}#{code}")):
        conditional_update(OtpModel(pk), [OtpModel.tries.add(1)], OtpModel.pk.exists())
        return False
    try:   # single use: only one concurrent request can delete it
        OtpModel(pk).delete(condition=OtpModel.code_hash == m.code_hash)
        return True
    except Exception:   # noqa: BLE001 - someone else used it first
        return False


# ------------------------------------------------------------------ maker-checker
def propose(partner_id: str, action: dict, amount: int, maker: str, at: datetime) -> str:
    pid = "P" + uuid.uuid4().hex[:15].upper()
    ProposalModel(pid, partner_id=partner_id, action=json.dumps(action, ensure_ascii=False),
                  amount=amount, maker=maker, status="PROPOSED", created_at=at).save(
        condition=ProposalModel.proposal_id.does_not_exist())
    return pid


def get_proposal(pid: str) -> dict | None:
    try:
        m = ProposalModel.get(pid, consistent_read=True)
    except DoesNotExist:
        return None
    return {"proposalId": m.proposal_id, "partnerId": m.partner_id,
            "action": json.loads(m.action), "amount": int(m.amount), "maker": m.maker,
            "status": m.status, "checker": m.checker, "result": m.result}


def decide(pid: str, checker: str, status: str, at: datetime) -> bool:
    """PROPOSED → APPROVED/REJECTED by someone other than the maker, once."""
    return conditional_update(
        ProposalModel(pid),
        [ProposalModel.status.set(status), ProposalModel.checker.set(checker),
         ProposalModel.decided_at.set(at)],
        (ProposalModel.status == "PROPOSED") & (ProposalModel.maker != checker))


def record_result(pid: str, result: str) -> None:
    conditional_update(ProposalModel(pid), [ProposalModel.result.set(result[:500])],
                       ProposalModel.proposal_id.exists())


# ------------------------------------------------------------------ audit
def audit(actor: str, action: str, target: str, at: datetime, partner_id: str | None = None,
          before=None, after=None, note: str | None = None) -> None:
    AuditModel(
        f"{at.astimezone(CST):%Y%m%d%H%M%S%f}-{uuid.uuid4().hex[:8]}", at=at,
        day=at.astimezone(CST).strftime("%Y-%m-%d"), actor=actor, action=action, target=target,
        partner_id=partner_id,
        before=json.dumps(before, ensure_ascii=False, default=str) if before is not None
        else None,
        after=json.dumps(after, ensure_ascii=False, default=str) if after is not None else None,
        note=note).save(condition=AuditModel.audit_id.does_not_exist())


def audit_of_day(day: str) -> list[dict]:
    return [{"at": cst(m.at).strftime("%Y-%m-%d %H:%M:%S"), "actor": m.actor,
             "action": m.action, "target": m.target, "partnerId": m.partner_id,
             "before": json.loads(m.before) if m.before else None,
             "after": json.loads(m.after) if m.after else None, "note": m.note}
            for m in AuditModel.by_day.query(day)]
