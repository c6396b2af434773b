"""`make package` builds one CloudFormation template that passes cfn-lint."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.xdist_group("package")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    out = tmp_path_factory.mktemp("pkg")
    env = {**os.environ, "AWS_DEFAULT_REGION": "cn-north-1"}
    subprocess.run([sys.executable, "-m", "infra.template", str(out / "resources.json")],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([str(BIN / "chalice"), "package", "--stage", "prod", "--merge-template",
                    str(out / "resources.json"), str(out / "package")],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    yield out / "package" / "sam.json"
    shutil.rmtree(out, ignore_errors=True)


def test_packaged_template_passes_cfn_lint(template):
    result = subprocess.run([str(BIN / "cfn-lint"), str(template)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_template_has_every_table_with_its_indexes_and_the_bills_wiring(template):
    from chalicelib.store.models import ALL_MODELS

    resources = json.loads(template.read_text())["Resources"]
    tables = {r["Properties"]["TableName"]["Fn::Sub"]: r["Properties"]
              for r in resources.values() if r["Type"] == "AWS::DynamoDB::Table"}
    assert len(tables) == len(ALL_MODELS)
    refunds = tables["${TablePrefix}refunds"]
    assert {g["IndexName"] for g in refunds["GlobalSecondaryIndexes"]} == \
        {"by_out_refund_no", "by_order", "pending"}
    assert all(t["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
               for t in tables.values())
    bucket = resources["BillsBucket"]["Properties"]
    assert bucket["NotificationConfiguration"]["QueueConfigurations"][0]["Queue"] == \
        {"Fn::GetAtt": ["BillsQueue", "Arn"]}
    assert "RedrivePolicy" in resources["BillsQueue"]["Properties"]
    assert resources["APIHandler"]["Type"] == "AWS::Serverless::Function"


def test_iam_policies_are_hand_written_least_privilege():
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    assert config["autogen_policy"] is False
    for stage in ("dev", "prod"):
        policy = json.loads((ROOT / ".chalice" / f"policy-{stage}.json").read_text())
        statements = policy["Statement"]
        actions = {a for s in statements for a in s["Action"]}
        assert not any(a.endswith("*") for a in actions)
        assert "dynamodb:Scan" not in actions
        for s in statements:
            resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
            if "dynamodb:DeleteItem" in s["Action"]:     # only sessions and one-time codes
                assert all(r.endswith(("-sessions", "-otps")) for r in resources)
            if any(r.endswith("-audit") for r in resources):   # the audit log is append-only
                assert not {"dynamodb:UpdateItem", "dynamodb:DeleteItem"} & set(s["Action"])
            if "*" in resources:                        # SMS to phone numbers has no ARN
                assert s["Action"] == ["sns:Publish"]
