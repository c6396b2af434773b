"""Make moto's DynamoDB keep two promises real DynamoDB keeps, for the local stack, the tests
and the benchmarks.

1. **Isolation.** moto 5.2 runs requests on many threads with no lock around its table state,
   and rolls a failed ``TransactWriteItems`` back by putting back a copy of every table it
   touched, taken when it started — wiping out whatever other requests wrote meanwhile. Under
   concurrent refunds that loses committed writes, which DynamoDB never does. Every DynamoDB
   operation here runs under one lock, so transactions are serializable as in DynamoDB.
2. **Cost shape.** That whole-table backup is a deep copy, O(table size) per transaction: with
   20,000 orders it would dominate every money-moving call. With operations serialized, a
   backup of just the transaction's items, restored on failure, gives the same all-or-nothing
   result at DynamoDB's O(items) cost.

Nothing else about moto changes: conditions, expressions, indexes and errors are moto's own.
"""
from __future__ import annotations

import copy
import functools
import threading

_installed = False
LOCK = threading.RLock()
_SERIALIZED = ("get_item", "put_item", "update_item", "delete_item", "query", "scan",
               "batch_write_item", "batch_get_item", "transact_get_items",
               "transact_write_items")


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

    backend = models.DynamoDBBackend
    original_transact = backend.transact_write_items

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
            return original_transact(self, transact_items)
        except Exception:
            for table, key, item in reversed(saved):
                _restore(table, key, item)
            raise

    backend.transact_write_items = transact_write_items
    models.copy = _NoTableCopies()

    for name in _SERIALIZED:
        method = getattr(backend, name, None)
        if method is None:
            continue

        def serialized(self, *args, __method=method, **kwargs):
            with LOCK:
                return __method(self, *args, **kwargs)

        setattr(backend, name, functools.wraps(method)(serialized))
    _installed = True
