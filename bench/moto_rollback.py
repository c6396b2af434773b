"""Make moto's TransactWriteItems cost O(items in the transaction), as in DynamoDB.

moto 5.2 backs up every table a transaction touches with ``copy.deepcopy(table)`` so that it can
roll back — O(table size) per transaction. With 20,000 orders that dominates every money-moving
call and would make a latency ratio measure the emulator, not the platform. This replaces the
whole-table backup with a backup of just the transaction's items, restored on any failure:
the same all-or-nothing result, at DynamoDB's cost shape. Used by the benchmarks only; tests run
on unmodified moto.
"""
from __future__ import annotations

import copy

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    class _NoTableCopies:
        """moto's module-level ``copy``, except that tables are not deep-copied."""

        def __getattr__(self, name):
            return getattr(copy, name)

        @staticmethod
        def deepcopy(obj, memo=None):
            return obj if isinstance(obj, Table) else copy.deepcopy(obj, memo)

    def _key_of(table: Table, op: dict) -> dict:
        if "Key" in op:
            return op["Key"]
        key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
        if table.range_key_attr:
            key[table.range_key_attr] = op["Item"][table.range_key_attr]
        return key

    def _restore(table: Table, key: dict, saved) -> None:
        hash_value = DynamoType(key[table.hash_key_attr])
        bucket, slot = table.items, hash_value
        if table.range_key_attr:
            bucket, slot = table.items[hash_value], DynamoType(key[table.range_key_attr])
        if saved is None:
            bucket.pop(slot, None)
        else:
            bucket[slot] = saved

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        saved = []
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName", ""))
            if table is None:
                continue
            key = _key_of(table, op)
            current = table.get_item(DynamoType(key[table.hash_key_attr]),
                                     DynamoType(key[table.range_key_attr])
                                     if table.range_key_attr else None)
            saved.append((table, key, copy.deepcopy(current) if current else None))
        try:
            return original(self, transact_items)
        except Exception:
            for table, key, item in reversed(saved):
                _restore(table, key, item)
            raise

    models.copy = _NoTableCopies()
    models.DynamoDBBackend.transact_write_items = transact_write_items
    _installed = True
