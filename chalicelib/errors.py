"""Error kinds of the ISV API (SPEC §2.4) and the typed exceptions that carry them.

Inside the platform code raises these; one place (handlers.isv_api) turns them into the envelope.
"""
from __future__ import annotations

from enum import Enum


class Kind(str, Enum):
    SUCCESS = "0"
    PARAM = "1001"
    SIGNATURE = "1002"
    REPLAY = "1003"
    UNKNOWN_PARTY = "1004"
    VERSION = "1005"
    CONFLICT = "2001"
    NOT_FOUND = "2002"
    STATE = "2003"
    OVER_REFUND = "2004"
    RISK_HOLD = "2005"
    CHANNEL_RULE = "2006"
    CHANNEL_UNAVAILABLE = "3001"
    INTERNAL = "9999"


class UppError(Exception):
    kind: Kind = Kind.INTERNAL

    def __init__(self, msg: str, data: dict | None = None):
        super().__init__(msg)
        self.msg = msg
        # Some errors still carry a payload (e.g. a risk-held refund's ids).
        self.data = data


class ParamError(UppError):
    kind = Kind.PARAM


class SignatureError(UppError):
    kind = Kind.SIGNATURE


class ReplayError(UppError):
    kind = Kind.REPLAY


class UnknownPartyError(UppError):
    kind = Kind.UNKNOWN_PARTY


class VersionError(UppError):
    kind = Kind.VERSION


class ConflictError(UppError):
    kind = Kind.CONFLICT


class NotFoundError(UppError):
    kind = Kind.NOT_FOUND


class StateError(UppError):
    kind = Kind.STATE


class OverRefundError(UppError):
    kind = Kind.OVER_REFUND


class RiskHoldError(UppError):
    kind = Kind.RISK_HOLD


class ChannelRuleError(UppError):
    kind = Kind.CHANNEL_RULE


class ChannelUnavailableError(UppError):
    kind = Kind.CHANNEL_UNAVAILABLE
