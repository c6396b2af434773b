"""Sparse "work to do" indexes are split over a few shards so no one partition gets hot."""
from __future__ import annotations

import zlib
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")

SHARDS = 4


def shard_of(key: str) -> str:
    return str(zlib.crc32(key.encode()) % SHARDS)


def all_shards() -> list[str]:
    return [str(i) for i in range(SHARDS)]


def across_shards(query: Callable[[str, int], Iterable[T]], limit: int) -> Iterator[T]:
    """Up to ``limit`` items of a sharded sparse index: ``query(shard, at_most)`` per shard."""
    count = 0
    for shard in all_shards():
        for item in query(shard, limit - count):
            yield item
            count += 1
            if count >= limit:
                return
