"""Which adapter serves which channel. Tests may install their own gateways."""
from __future__ import annotations

from ..config import settings
from ..domain.channels import CHANNELS
from .gateway import ChannelGateway
from .simulated import SimulatedChannel

_gateways: dict[str, ChannelGateway] = {}


def gateway(channel: str) -> ChannelGateway:
    if channel not in CHANNELS:
        raise KeyError(channel)
    gw = _gateways.get(channel)
    if gw is None:
        cfg = settings()
        gw = SimulatedChannel(
            channel, cfg.channel_base_url, cfg.channel_timeout_s,
            cfg.channel_notify_secrets[channel],
            f"{cfg.public_base_url.rstrip('/')}/notify/{channel}")
        _gateways[channel] = gw
    return gw


def reset() -> None:
    """Forget the adapters (after the settings changed)."""
    _gateways.clear()
