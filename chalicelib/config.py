"""All settings, read once from the environment into one typed object.

Everything the code needs to know about where it runs comes from here; nothing else reads
``os.environ``.  Tests and the local stack set the environment before the first ``settings()``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    stage: str = "dev"
    region: str = "cn-north-1"
    # None in AWS; the moto server URL in the local stack and tests.
    aws_endpoint: str | None = None
    table_prefix: str = "upp-dev-"
    bills_bucket: str = "upp-dev-bills"
    bills_queue: str = "upp-dev-bills"
    platform_name: str = "统一支付平台"
    replay_window_s: int = 300
    max_expire_s: int = 7200
    max_body_bytes: int = 64 * 1024
    # Where the channel gateways send their requests (the simulator in the local stack).
    channel_base_url: str = "http://127.0.0.1:8001"
    channel_timeout_s: float = 5.0
    # Where channels post their asynchronous results: <public_base_url>/notify/{channel}.
    public_base_url: str = "http://127.0.0.1:8000"
    # Per-channel secrets that channel notifications are signed with.
    channel_notify_secrets: dict[str, str] = field(default_factory=dict)
    query_sync_interval_s: float = 3.0
    # 1 in production; the local stack may compress the ≈24 h retry schedule for demos.
    notify_retry_scale: float = 1.0

    def table_name(self, short: str) -> str:
        return f"{self.table_prefix}{short}"


def _load() -> Settings:
    secrets = {
        ch: _env(f"UPP_CHANNEL_SECRET_{ch.upper()}", f"sim-{ch}-notify-secret")
        for ch in ("ali", "ten", "uni")
    }
    return Settings(
        stage=_env("UPP_STAGE", "dev"),
        region=_env("AWS_DEFAULT_REGION", "cn-north-1"),
        aws_endpoint=_env("UPP_AWS_ENDPOINT"),
        table_prefix=_env("UPP_TABLE_PREFIX", "upp-dev-"),
        bills_bucket=_env("UPP_BILLS_BUCKET", "upp-dev-bills"),
        bills_queue=_env("UPP_BILLS_QUEUE", "upp-dev-bills"),
        platform_name=_env("UPP_PLATFORM_NAME", "统一支付平台"),
        replay_window_s=int(_env("UPP_REPLAY_WINDOW_S", "300")),
        max_expire_s=int(_env("UPP_MAX_EXPIRE_S", "7200")),
        channel_base_url=_env("UPP_CHANNEL_BASE_URL", "http://127.0.0.1:8001"),
        channel_timeout_s=float(_env("UPP_CHANNEL_TIMEOUT_S", "5")),
        public_base_url=_env("UPP_PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
        channel_notify_secrets=secrets,
        query_sync_interval_s=float(_env("UPP_QUERY_SYNC_INTERVAL_S", "3")),
        notify_retry_scale=float(_env("UPP_NOTIFY_RETRY_SCALE", "1")),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    return _load()


def reload() -> Settings:
    """Re-read the environment (tests and the local stack change it before starting)."""
    settings.cache_clear()
    return settings()
