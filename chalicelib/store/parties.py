"""Merchants and ISVs: key lookups only."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from ..domain.parties import Isv, Merchant
from .models import IsvModel, MerchantModel


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
        refund_window_days={k: int(v) for k, v in (m.refund_window_days or {}).as_dict().items()}
        if hasattr(m.refund_window_days, "as_dict") else dict(m.refund_window_days or {}),
        channel_accounts=(m.channel_accounts.as_dict() if hasattr(m.channel_accounts, "as_dict")
                          else dict(m.channel_accounts or {})),
    )


def put_merchant(m: Merchant) -> None:
    from ..clock import now

    MerchantModel(
        m.partner_id, name=m.name, enabled=m.enabled, notify_url=m.notify_url,
        his_query_url=m.his_query_url, auto_refund=m.auto_refund,
        refund_window_days=dict(m.refund_window_days), channel_accounts=dict(m.channel_accounts),
        created_at=now()).save()


def put_isv(isv: Isv) -> None:
    from ..clock import now

    IsvModel(isv.isv_id, name=isv.name, sign_key=isv.sign_key, enabled=isv.enabled,
             partner_ids=set(isv.partner_ids) or None, created_at=now()).save()


def put_user(username: str, password_hash: str, role: str, phone: str | None = None,
             partner_ids: set[str] | None = None) -> None:
    from ..clock import now
    from .models import UserModel

    UserModel(username, password_hash=password_hash, role=role, phone=phone,
              partner_ids=partner_ids or None, created_at=now()).save()
