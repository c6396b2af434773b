"""Sparse "work to do" indexes are split over a few shards so no one partition gets hot."""
from __future__ import annotations

import zlib

SHARDS = 4


def shard_of(key: str) -> str:
    return str(zlib.crc32(key.encode()) % SHARDS)


def all_shards() -> list[str]:
    return [str(i) for i in range(SHARDS)]
