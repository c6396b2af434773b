"""Merchants (hospitals) and ISVs (vendors) as the domain sees them."""
from __future__ import annotations

from dataclasses import dataclass, field

from .risk import RiskRule

DEFAULT_MAKER_CHECKER_FEN = 1000_00   # 1000.00 yuan (SPEC §8)


@dataclass(frozen=True)
class Merchant:
    partner_id: str
    name: str
    enabled: bool
    notify_url: str | None = None
    his_query_url: str | None = None
    auto_refund: bool = False
    refund_window_days: dict[str, int] = field(default_factory=dict)
    channel_accounts: dict[str, str] = field(default_factory=dict)
    risk_rules: tuple[RiskRule, ...] = ()
    maker_checker_fen: int = DEFAULT_MAKER_CHECKER_FEN


@dataclass(frozen=True)
class Isv:
    isv_id: str
    name: str
    sign_key: str
    enabled: bool
    partner_ids: frozenset[str]

    def __repr__(self) -> str:  # never print the key
        return f"Isv(isv_id={self.isv_id!r}, name={self.name!r}, enabled={self.enabled})"

    def serves(self, partner_id: str) -> bool:
        return partner_id in self.partner_ids
