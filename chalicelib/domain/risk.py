"""Refund risk control 风控 (SPEC §6): per-merchant rules and their counting windows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..clock import CST

DAY = 0   # window_minutes == 0 means "one calendar day (CST)"


@dataclass(frozen=True)
class RiskRule:
    window_minutes: int            # N minutes, or DAY
    max_count: int | None = None
    max_amount: int | None = None  # fen

    def bucket(self, at: datetime) -> tuple[str, datetime]:
        """The counting window ``at`` falls in, and when that window's counter may expire."""
        at = at.astimezone(CST)
        if self.window_minutes == DAY:
            start = at.replace(hour=0, minute=0, second=0, microsecond=0)
            return f"D{start:%Y%m%d}", start + timedelta(days=2)
        size = self.window_minutes * 60
        epoch = int(at.timestamp())
        start = epoch - epoch % size
        return f"M{self.window_minutes}-{start}", datetime.fromtimestamp(
            start + 2 * size, CST)

    @property
    def unit(self) -> str:
        return "天" if self.window_minutes == DAY else "分钟"


def hold_reason(rule: RiskRule, count_exceeded: bool) -> str:
    """Seed 2.6.1: 单位[天|分钟]内退款总额|笔数超限，该笔退款订单已进入风控."""
    what = "笔数" if count_exceeded else "总额"
    return f"单位{rule.unit}内退款{what}超限，该笔退款订单已进入风控"


def rule_from_dict(d: dict) -> RiskRule:
    return RiskRule(int(d.get("windowMinutes", 0)),
                    int(d["maxCount"]) if d.get("maxCount") is not None else None,
                    int(d["maxAmount"]) if d.get("maxAmount") is not None else None)


def rule_to_dict(r: RiskRule) -> dict:
    return {"windowMinutes": r.window_minutes, "maxCount": r.max_count,
            "maxAmount": r.max_amount}
