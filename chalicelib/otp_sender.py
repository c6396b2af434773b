"""Where one-time codes go (SPEC §8): SMS in production, the log and a dev inbox locally."""
from __future__ import annotations

from collections import deque
from typing import Protocol

from .config import settings
from .logs import log

# The local stack's inbox (GET /admin/dev/inbox); never used outside local/test stages.
DEV_INBOX: deque = deque(maxlen=50)


class OtpSender(Protocol):
    def send(self, phone: str | None, username: str, code: str, purpose: str) -> None: ...


class DevInboxSender:
    def send(self, phone, username, code, purpose) -> None:
        DEV_INBOX.appendleft({"username": username, "phone": phone, "purpose": purpose,
                              "code": code})
        log("otp.sent.dev", username=username, purpose=purpose, code=code)


class SnsSmsSender:
    """Amazon SNS SMS (the deployment's sender)."""

    def send(self, phone, username, code, purpose) -> None:
        import botocore.session

        if not phone:
            raise ValueError("用户未配置手机号")
        client = botocore.session.get_session().create_client("sns",
                                                              region_name=settings().region)
        client.publish(PhoneNumber=phone, Message=f"【统一支付平台】验证码 {code}，5 分钟内有效。")
        log("otp.sent.sms", username=username, purpose=purpose)


def sender() -> OtpSender:
    return DevInboxSender() if settings().stage in ("local", "test", "bench") else SnsSmsSender()
