"""The ISV API's OpenAPI document, generated from the same pydantic models that validate the
requests and shape the answers — one definition per contract."""
from __future__ import annotations

from functools import lru_cache

from ..errors import Kind
from . import isv_contract as c

_ENDPOINTS = {
    "network": (c.NetworkRequest, c.NetworkData, "网络测试：链路与签名测试"),
    "scancode": (c.ScanCodeRequest, c.ScanCodeData, "扫码付下单"),
    "barcode": (c.BarCodeRequest, c.BarCodeData, "条码付下单"),
    "query": (c.QueryRequest, c.QueryData, "支付查询"),
    "refund": (c.RefundRequest, c.RefundData, "退款申请"),
    "refundQuery": (c.RefundQueryRequest, c.RefundData, "退款查询"),
    "close": (c.CloseRequest, c.CloseData, "交易关闭"),
    "notifyList": (c.NotifyListRequest, c.NotifyListData, "通知列表（扩展）"),
}


@lru_cache(maxsize=1)
def document() -> dict:
    schemas: dict = {}
    paths: dict = {}
    for name, (request, data, summary) in _ENDPOINTS.items():
        for model, mode in ((request, "validation"), (data, "serialization")):
            full = model.model_json_schema(mode=mode,
                                           ref_template="#/components/schemas/{model}")
            schemas.update(full.pop("$defs", {}))
            schemas[model.__name__] = full
        paths[f"/access/{name}"] = {"post": {
            "summary": summary,
            "operationId": name,
            "description": "Signed JSON (SPEC §2.2). Numbers may be JSON numbers or numeric "
                           "strings. Always HTTP 200 with the envelope; `kind` says the outcome.",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{request.__name__}"}}}},
            "responses": {"200": {"description": "the signed envelope", "content": {
                "application/json": {"schema": {"allOf": [
                    {"$ref": "#/components/schemas/Envelope"},
                    {"properties": {"data": {
                        "$ref": f"#/components/schemas/{data.__name__}"}}}]}}}}},
        }}
    envelope = c.Envelope.model_json_schema()
    envelope["properties"]["kind"]["enum"] = [k.value for k in Kind]
    schemas["Envelope"] = envelope
    return {"openapi": "3.1.0",
            "info": {"title": "UPP ISV API 统一支付平台接入接口", "version": c.API_VERSION},
            "paths": paths, "components": {"schemas": schemas}}
