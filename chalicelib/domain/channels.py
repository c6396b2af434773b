"""Channels, channel products and the channels' own rules (SPEC §9, seed refund-processing.md)."""
from __future__ import annotations

import re
from dataclasses import dataclass

CHANNELS = ("ali", "ten", "uni")
CHANNEL_NAMES = {"ali": "支付宝", "ten": "微信支付", "uni": "银联"}

SCAN_PRODUCTS = {"ali_scan_code": "ali", "ten_scan_code": "ten", "uni_scan_code": "uni"}
BARCODE_PRODUCTS = {"ali": "ali_bar_code", "ten": "ten_bar_code", "uni": "uni_bar_code"}

# Pay-code (付款码) prefixes, SPEC §2.3.
_AUTH_CODE_RULES = (
    ("ten", re.compile(r"^1[0-5][0-9]{16}$")),          # WeChat: 18 digits, 10–15
    ("ali", re.compile(r"^(2[5-9]|30)[0-9]{14,22}$")),  # Alipay: 16–24 digits, 25–30
    ("uni", re.compile(r"^62[0-9]{17}$")),              # UnionPay: 19 digits, 62
)


def channel_of_auth_code(auth_code: str) -> str | None:
    for channel, pattern in _AUTH_CODE_RULES:
        if pattern.match(auth_code):
            return channel
    return None


@dataclass(frozen=True)
class ChannelRules:
    refund_window_days: int
    max_partial_refunds: int | None = None   # per payment
    refunds_per_second: int | None = None    # per channel merchant


DEFAULT_RULES = {
    "ten": ChannelRules(refund_window_days=365, max_partial_refunds=50, refunds_per_second=150),
    "ali": ChannelRules(refund_window_days=90),
    "uni": ChannelRules(refund_window_days=365),
}


def rules_for(channel: str, window_overrides: dict[str, int] | None = None) -> ChannelRules:
    base = DEFAULT_RULES[channel]
    days = (window_overrides or {}).get(channel)
    if days:
        return ChannelRules(int(days), base.max_partial_refunds, base.refunds_per_second)
    return base
