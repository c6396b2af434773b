"""The ISV API's front door: parse, authenticate, validate, dispatch, and answer in the signed
envelope. The one place where errors become envelopes (SPEC §2.1, §2.4)."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Callable

from ..clock import now, now_ms
from ..config import settings
from ..errors import (
    Kind,
    ParamError,
    ReplayError,
    SignatureError,
    UnknownPartyError,
    UppError,
    VersionError,
)
from ..logs import log
from ..signing import JsonParseError, dumps, parse_json, sign, verify
from ..store.parties import get_isv, get_merchant
from . import payments, refunds
from .context import CallContext
from .isv_contract import (
    API_VERSION,
    BarCodeRequest,
    CloseRequest,
    CommonRequest,
    Envelope,
    NetworkRequest,
    NotifyListRequest,
    QueryRequest,
    RefundQueryRequest,
    RefundRequest,
    ScanCodeRequest,
    validate,
)


@dataclass(frozen=True)
class Endpoint:
    model: type
    run: Callable


ENDPOINTS: dict[str, Endpoint] = {
    "network": Endpoint(NetworkRequest, payments.network),
    "scancode": Endpoint(ScanCodeRequest, payments.scancode),
    "barcode": Endpoint(BarCodeRequest, payments.barcode),
    "query": Endpoint(QueryRequest, payments.query),
    "close": Endpoint(CloseRequest, payments.close),
    "refund": Endpoint(RefundRequest, refunds.refund),
    "refundQuery": Endpoint(RefundQueryRequest, refunds.refund_query),
    "notifyList": Endpoint(NotifyListRequest, payments.notify_list),
}


def _envelope(kind: Kind, msg: str, data: dict | None, key: str | None) -> str:
    env = Envelope(result=kind is Kind.SUCCESS, kind=kind.value, timestamp=now_ms(), msg=msg,
                   data=data).wire()
    env["sign"] = sign(env, key) if key else ""
    return dumps(env)


def handle(name: str, body: bytes | None) -> str:
    """Answer one ISV call; always a signed (when possible) envelope, never an exception."""
    request_id = uuid.uuid4().hex[:16]
    key: str | None = None
    try:
        endpoint = ENDPOINTS.get(name)
        if endpoint is None:
            raise ParamError(f"未知接口 {name[:32]}")
        body = body or b""
        if len(body) > settings().max_body_bytes:
            raise ParamError("请求体超过 64 KiB")
        try:
            obj = parse_json(body)
        except JsonParseError as exc:
            raise ParamError(str(exc)) from None
        if not isinstance(obj, dict):
            raise ParamError("请求体必须是 JSON 对象")
        common = validate(CommonRequest, obj)
        if common.version != API_VERSION:
            raise VersionError(f"不支持的版本 {common.version}，应为 {API_VERSION}")
        isv = get_isv(common.isvId)
        if isv is None:
            raise UnknownPartyError("ISV 不存在")
        key = isv.sign_key
        if not verify(obj, isv.sign_key):
            raise SignatureError("签名错误")
        if abs(now_ms() - int(common.timestamp)) > settings().replay_window_s * 1000:
            raise ReplayError("时间戳超出允许范围，请校准时钟")
        if not isv.enabled:
            raise UnknownPartyError("ISV 已停用")
        merchant = get_merchant(common.partnerId)
        if merchant is None or not isv.serves(common.partnerId):
            raise UnknownPartyError("商户不存在或未与该 ISV 绑定")
        if not merchant.enabled:
            raise UnknownPartyError("商户已停用")
        request = validate(endpoint.model, obj)
        ctx = CallContext(isv=isv, merchant=merchant, now=now(), request_id=request_id)
        answer = endpoint.run(ctx, request)
        msg = ""
        if isinstance(answer, tuple):
            answer, msg = answer
        log("isv.call", requestId=request_id, endpoint=name, isvId=common.isvId,
            partnerId=common.partnerId, kind="0")
        return _envelope(Kind.SUCCESS, msg, answer.wire(), key)
    except UppError as exc:
        log("isv.rejected", requestId=request_id, endpoint=name[:32], kind=exc.kind.value,
            msg=exc.msg)
        return _envelope(exc.kind, exc.msg[:128], exc.data, key)
    except Exception:  # noqa: BLE001 - the envelope must never become a stack trace
        logging.getLogger("upp").exception("isv.internal_error requestId=%s", request_id)
        return _envelope(Kind.INTERNAL, f"系统内部错误，请求号 {request_id}", None, key)
