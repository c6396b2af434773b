"""Tables from the PynamoDB models: created in the local stack, and rendered as CloudFormation
resources for the deployment — one definition for both."""
from __future__ import annotations

from typing import Any

from .models import ALL_MODELS, TTL_ATTRIBUTES


def create_all(wait: bool = True) -> None:
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=wait, billing_mode="PAY_PER_REQUEST")
        ttl = TTL_ATTRIBUTES.get(model)
        if ttl:
            model._get_connection().connection.client.update_time_to_live(
                TableName=model.Meta.table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl})


def delete_all() -> None:
    for model in ALL_MODELS:
        if model.exists():
            model.delete_table()


def _keys(key_schema: list[dict]) -> list[dict]:
    # DynamoDB wants the HASH key first.
    return [{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]}
            for k in sorted(key_schema, key=lambda k: k["KeyType"] != "HASH")]


def _logical_id(model) -> str:
    return model.__name__.removesuffix("Model") + "Table"


def cfn_resources(table_prefix_param: str = "TablePrefix") -> dict[str, Any]:
    """CloudFormation ``AWS::DynamoDB::Table`` resources for every model."""
    resources: dict[str, Any] = {}
    for model in ALL_MODELS:
        schema = model._get_schema()
        short = model.Meta.table_name.split("-")[-1]
        props: dict[str, Any] = {
            "TableName": {"Fn::Sub": f"${{{table_prefix_param}}}{short}"},
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]}
                for a in schema["attribute_definitions"]],
            "KeySchema": _keys(schema["key_schema"]),
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS"},
        }
        gsis = schema.get("global_secondary_indexes") or []
        if gsis:
            props["GlobalSecondaryIndexes"] = [{
                "IndexName": g["index_name"],
                "KeySchema": _keys(g["key_schema"]),
                "Projection": {"ProjectionType": g["projection"]["ProjectionType"]},
            } for g in gsis]
        ttl = TTL_ATTRIBUTES.get(model)
        if ttl:
            props["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
        resources[_logical_id(model)] = {
            "Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain", "Properties": props}
    return resources
