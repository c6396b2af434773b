"""What every authenticated ISV call knows: who calls, for which hospital, and when."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain.parties import Isv, Merchant


@dataclass(frozen=True)
class CallContext:
    isv: Isv
    merchant: Merchant
    now: datetime
    request_id: str
