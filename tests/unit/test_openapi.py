"""The OpenAPI document comes from the same models that validate: every endpoint, every field."""
from chalicelib.handlers import isv_api
from chalicelib.handlers.openapi import document


def test_every_endpoint_is_documented_from_its_model():
    doc = document()
    assert set(doc["paths"]) == {f"/access/{n}" for n in isv_api.ENDPOINTS}
    for name, endpoint in isv_api.ENDPOINTS.items():
        ref = doc["paths"][f"/access/{name}"]["post"]["requestBody"]["content"][
            "application/json"]["schema"]["$ref"]
        schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert set(schema["properties"]) == set(endpoint.model.model_fields)
        assert {"isvId", "partnerId", "sign", "version", "timestamp"} <= set(schema["required"])


def test_every_ref_resolves_and_error_kinds_are_listed():
    doc = document()
    schemas = doc["components"]["schemas"]

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for v in node.values():
                yield from refs(v)
        elif isinstance(node, list):
            for v in node:
                yield from refs(v)

    for ref in refs(doc):
        assert ref.rsplit("/", 1)[1] in schemas, ref
    assert "2004" in schemas["Envelope"]["properties"]["kind"]["enum"]
