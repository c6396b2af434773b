"""Merchants and ISVs: key lookups only."""
from __future__ import annotations

import json

from pynamodb.exceptions import DoesNotExist

from ..domain.parties import DEFAULT_MAKER_CHECKER_FEN, Isv, Merchant
from ..domain.risk import rule_from_dict, rule_to_dict
from ..clock import now
from .models import IsvModel, MerchantModel, UserModel


def get_isv(isv_id: str) -> Isv | None:
    try:
        m = IsvModel.get(isv_id, consistent_read=True)
    except DoesNotExist:
        return None
    return Isv(m.isv_id, m.name, m.sign_key, bool(m.enabled), frozenset(m.partner_ids or ()))


def get_merchant(partner_id: str) -> Merchant | None:
    try:
        m = MerchantModel.get(partner_id, consistent_read=True)
    except DoesNotExist:
        return None
    return Merchant(
        partner_id=m.partner_id, name=m.name, enabled=bool(m.enabled), notify_url=m.notify_url,
        his_query_url=m.his_query_url, auto_refund=bool(m.auto_refund),
        refund_window_days={k: int(v) for k, v in _plain(m.refund_window_days).items()},
        channel_accounts={k: str(v) for k, v in _plain(m.channel_accounts).items()},
        risk_rules=tuple(rule_from_dict(d) for d in json.loads(m.risk_rules or "[]")),
        maker_checker_fen=int(m.maker_checker_fen) if m.maker_checker_fen is not None
        else DEFAULT_MAKER_CHECKER_FEN,
    )


def _plain(value) -> dict:
    if value is None:
        return {}
    return value.as_dict() if hasattr(value, "as_dict") else dict(value)


def put_merchant(m: Merchant) -> None:
    MerchantModel(
        m.partner_id, name=m.name, enabled=m.enabled, notify_url=m.notify_url,
        his_query_url=m.his_query_url, auto_refund=m.auto_refund,
        refund_window_days=dict(m.refund_window_days), channel_accounts=dict(m.channel_accounts),
        risk_rules=json.dumps([rule_to_dict(r) for r in m.risk_rules]),
        maker_checker_fen=m.maker_checker_fen, created_at=now()).save()


def put_isv(isv: Isv) -> None:
    IsvModel(isv.isv_id, name=isv.name, sign_key=isv.sign_key, enabled=isv.enabled,
             partner_ids=set(isv.partner_ids) or None, created_at=now()).save()


def put_user(username: str, password_hash: str, role: str, phone: str | None = None,
             partner_ids: set[str] | None = None) -> None:
    UserModel(username, password_hash=password_hash, role=role, phone=phone,
              partner_ids=partner_ids or None, created_at=now()).save()
