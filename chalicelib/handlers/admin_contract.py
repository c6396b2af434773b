"""Request bodies of the operations API (one pydantic model each)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from ..money import positive_fen


Fen = Annotated[int, BeforeValidator(lambda v: positive_fen(str(v)))]
Note = Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=True)]
Otp = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Login(_Body):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class OtpRequest(_Body):
    purpose: Literal["refund", "release", "approve"]


class HandleAbnormal(_Body):
    action: Literal["MARK_HANDLED", "MARK_OFFLINE_REFUNDED", "REFUND"]
    note: Note
    otp: Otp | None = None


class SelfServiceRefund(_Body):
    partnerId: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,15}$")]
    paymentNo: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,32}$")]
    refundFee: Fen
    note: Note
    otp: Otp


class WithOtp(_Body):
    note: Note
    otp: Otp


class RiskRuleBody(_Body):
    windowMinutes: int = Field(ge=0, le=1440)       # 0 = one calendar day
    maxCount: int | None = Field(default=None, ge=1)
    maxAmount: Fen | None = None


class MerchantUpdate(_Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    enabled: bool | None = None
    notifyUrl: Annotated[str, StringConstraints(pattern=r"^https?://.{1,200}$")] | None = None
    hisQueryUrl: Annotated[str, StringConstraints(pattern=r"^https?://.{1,200}$")] | None = None
    autoRefund: bool | None = None
    riskRules: list[RiskRuleBody] | None = None
    refundWindowDays: dict[Literal["ali", "ten", "uni"], Annotated[int, Field(ge=1, le=3650)]] \
        | None = None
    makerCheckerYuan: Fen | None = None


PartnerId = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,15}$")]


class MerchantCreate(MerchantUpdate):
    partnerId: PartnerId
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    channelAccounts: dict[Literal["ali", "ten", "uni"],
                          Annotated[str, StringConstraints(min_length=1, max_length=64)]] = {}


class IsvUpsert(_Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    enabled: bool | None = None
    partnerIds: list[PartnerId] | None = None


class UserCreate(_Body):
    username: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]{2,32}$")]
    password: Annotated[str, StringConstraints(min_length=10, max_length=128)]
    role: Literal["admin", "operator", "finance", "viewer"]
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{6,15}$")] | None = None
    partnerIds: list[PartnerId] = []
