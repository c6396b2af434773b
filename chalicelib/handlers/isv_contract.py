"""The ISV API's wire contract (SPEC §2): one pydantic model per request and per response.

Numbers arrive as JSON numbers (kept as their literal text by the signing parser) or as numeric
strings; both validate the same way. Empty strings in optional fields mean "absent", as in
signing. Money leaves this module as int fen and comes back as yuan strings.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from ..clock import from_wire
from ..domain.channels import SCAN_PRODUCTS
from ..errors import ParamError
from ..money import positive_fen

API_VERSION = "1.0.0"


def _blank_to_none(v: Any) -> Any:
    return None if v == "" else v


def _as_text(v: Any) -> Any:
    # JSON numbers arrive as JsonNumber (a str); plain ints only from in-process callers.
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return v


def _small_int(v: Any) -> Any:
    v = _as_text(v)
    if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) <= 6:
        return int(v)
    raise ValueError("应为整数")


def _wire_time(v: Any) -> datetime:
    try:
        return from_wire(v)
    except (ValueError, TypeError) as exc:
        raise ValueError("时间格式应为 yyyy-MM-dd HH:mm:ss") from exc


def _json_text(v: str) -> str:
    try:
        json.loads(v)
    except ValueError as exc:
        raise ValueError("应为 JSON 文本") from exc
    return v


def _json_object_text(v: str) -> str:
    try:
        obj = json.loads(v)
    except ValueError as exc:
        raise ValueError("应为 JSON 对象文本") from exc
    if not isinstance(obj, dict):
        raise ValueError("应为 JSON 对象文本")
    url = obj.get("notifyUrl")
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))
                            or len(url) > 200):
        raise ValueError("notifyUrl 应为 http(s) 地址")
    return v


LongId = Annotated[str, BeforeValidator(_as_text),
                   StringConstraints(pattern=r"^[0-9]{1,15}$")]
Timestamp = Annotated[str, BeforeValidator(_as_text), StringConstraints(pattern=r"^[0-9]{1,13}$")]
Serial = Annotated[str, BeforeValidator(_as_text),
                   StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,32}$")]
Fen = Annotated[int, BeforeValidator(positive_fen)]
WireTime = Annotated[datetime, BeforeValidator(_wire_time)]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^,]*$")]
OptText32 = Annotated[Annotated[str, StringConstraints(max_length=32)] | None,
                      BeforeValidator(_blank_to_none)]
BizData = Annotated[Annotated[str, StringConstraints(max_length=256),
                              AfterValidator(_json_text)] | None,
                    BeforeValidator(_blank_to_none)]
ExpandData = Annotated[Annotated[str, StringConstraints(max_length=256),
                                 AfterValidator(_json_object_text)] | None,
                       BeforeValidator(_blank_to_none)]
AuthCode = Annotated[str, BeforeValidator(_as_text), StringConstraints(pattern=r"^[0-9]{1,64}$")]
BizType = Literal["scan_pay", "barcode_pay"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CommonRequest(_Strict):
    isvId: LongId
    partnerId: LongId
    sign: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{32}$")]
    version: Annotated[str, StringConstraints(max_length=16)]
    timestamp: Timestamp


class NetworkRequest(CommonRequest):
    pass


class _WithExpandData(CommonRequest):
    expandData: ExpandData = None

    @property
    def notify_url(self) -> str | None:
        """Per-order notify URL from ``expandData.notifyUrl`` (SPEC §4)."""
        return json.loads(self.expandData).get("notifyUrl") if self.expandData else None


class _PaymentCreate(_WithExpandData):
    paymentNo: Serial
    expireTime: WireTime
    tradeFee: Fen
    subject: Subject
    districtId: OptText32 = None
    sourceType: Annotated[Literal["outpatient", "inpatient"] | None,
                          BeforeValidator(_blank_to_none)] = None
    bizData: BizData = None


class ScanCodeRequest(_PaymentCreate):
    channelProduct: Literal[tuple(SCAN_PRODUCTS)]  # type: ignore[valid-type]


class BarCodeRequest(_PaymentCreate):
    authCode: AuthCode


class QueryRequest(CommonRequest):
    bizType: BizType
    paymentNo: Serial


class CloseRequest(CommonRequest):
    bizType: BizType
    paymentNo: Serial


class RefundRequest(_WithExpandData):
    refundFee: Fen
    paymentNo: Serial
    bizType: BizType
    requestNo: Serial
    refundNo: Serial
    bizData: BizData = None


class RefundQueryRequest(CommonRequest):
    requestNo: Serial


class NotifyListRequest(CommonRequest):
    sinceNotifyId: Annotated[Annotated[str, StringConstraints(pattern=r"^N[0-9A-F]{25}$")] | None,
                             BeforeValidator(_blank_to_none)] = None
    limit: Annotated[int, BeforeValidator(_small_int), Field(ge=1, le=100)] = 20


# ---------------------------------------------------------------- responses (``data``)
class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def wire(self) -> dict:
        return self.model_dump(mode="json", exclude_none=True)


class NetworkData(_Data):
    field: str


class _PaymentData(_Data):
    tradeStatus: str
    outPaymentNo: str
    inPaymentNo: str | None = None
    paymentNo: str
    channelType: str
    channelProduct: str
    tradeFee: str
    paymentTime: str | None = None
    bizData: str | None = None


class ScanCodeData(_PaymentData):
    payUrl: str | None = None


class BarCodeData(_PaymentData):
    pass


class QueryData(_PaymentData):
    refundedFee: str
    orderStatus: str


class RefundData(_Data):
    tradeStatus: str
    refundFee: str
    failedReason: str | None = None
    outRefundNo: str
    requestNo: str
    channelType: str
    channelProduct: str
    refundNo: str
    outPaymentNo: str
    inPaymentNo: str | None = None
    paymentNo: str
    refundTime: str | None = None
    bizData: str | None = None


class CloseData(_Data):
    outPaymentNo: str | None = None
    inPaymentNo: str | None = None
    paymentNo: str
    isCloseOrder: Literal["Y", "N"]


class NotifyItem(_Data):
    notifyId: str
    notifyType: str
    state: str                 # PENDING | DELIVERED | FAILED
    attempts: int
    createdAt: str
    deliveredAt: str | None = None
    data: dict


class NotifyListData(_Data):
    notifications: list[NotifyItem]


class Envelope(BaseModel):
    """The response envelope; ``sign`` is computed over the rest (SPEC §2.2)."""
    result: bool
    kind: str
    sign: str = ""
    version: str = API_VERSION
    timestamp: int
    msg: str = ""
    data: dict | None = None

    def wire(self) -> dict:
        return self.model_dump(exclude_none=True)


_FIELD_MESSAGES = {
    "missing": "缺少必填参数",
    "string_pattern_mismatch": "格式不正确",
    "string_too_long": "长度超限",
    "string_too_short": "不能为空",
    "literal_error": "取值不在允许范围内",
    "string_type": "类型应为字符串",
    "less_than_equal": "超出允许范围",
    "greater_than_equal": "超出允许范围",
}


def validate(model: type[_Strict], obj: dict) -> Any:
    """Validate ``obj``; the first problem becomes a 1001 error that names the field."""
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in err["loc"]) or "body"
        if err["type"] in _FIELD_MESSAGES:
            reason = _FIELD_MESSAGES[err["type"]]
        else:
            reason = str(err.get("msg", "不合法")).removeprefix("Value error, ")
        raise ParamError(f"参数 {field} 错误：{reason}"[:128]) from None
