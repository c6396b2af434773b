"""Write ``build/resources.json``: what ``chalice package`` does not generate (tables, bills
bucket → queue with DLQ, parameters), to be merged with ``--merge-template``.

    python -m infra.template build/resources.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from chalicelib.store.tables import cfn_resources as table_resources
from infra.buckets import cfn_resources as bucket_resources


def template() -> dict:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            "TablePrefix": {"Type": "String", "Default": "upp-prod-",
                            "Description": "prefix of every table and queue name"},
            "BillsBucketName": {"Type": "String", "Default": "upp-prod-bills"},
        },
        "Resources": {**table_resources(), **bucket_resources()},
        "Outputs": {
            "BillsBucket": {"Value": {"Ref": "BillsBucket"}},
            "BillsQueueUrl": {"Value": {"Ref": "BillsQueue"}},
        },
    }


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "build/resources.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(template(), ensure_ascii=False, indent=2))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
