"""Who may do what in the operations API (SPEC §8): roles, permissions, merchant scope."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Perm(str, Enum):
    READ = "read"          # see orders, abnormal orders, notifications, audit
    HANDLE = "handle"      # mark abnormal orders handled / refunded offline, re-send notices
    MONEY = "money"        # refunds, release from risk hold (always with a one-time code)
    CONFIG = "config"      # merchants, ISVs and keys, users


ROLES: dict[str, frozenset[Perm]] = {
    "admin": frozenset(Perm),
    "operator": frozenset({Perm.READ, Perm.HANDLE, Perm.MONEY}),
    "finance": frozenset({Perm.READ, Perm.HANDLE, Perm.MONEY}),
    "viewer": frozenset({Perm.READ}),
}


@dataclass(frozen=True)
class User:
    username: str
    role: str
    partner_ids: frozenset[str]          # empty = every merchant
    phone: str | None = None
    enabled: bool = True

    def can(self, perm: Perm) -> bool:
        return self.enabled and perm in ROLES.get(self.role, frozenset())

    def sees(self, partner_id: str | None) -> bool:
        return not self.partner_ids or partner_id in self.partner_ids

    def scope(self, requested: str | None) -> list[str] | None:
        """Merchants a listing may cover: None = all (only for unrestricted users)."""
        if requested:
            return [requested] if self.sees(requested) else []
        return sorted(self.partner_ids) if self.partner_ids else None


def needs_second_person(amount_fen: int, threshold_fen: int) -> bool:
    """Maker-checker: a money-moving action above the merchant's threshold needs an approver."""
    return amount_fen > threshold_fen
