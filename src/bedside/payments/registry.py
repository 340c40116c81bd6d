"""Which adapter serves which channel. The sandbox adapters are used unless a hospital
configures real merchant credentials (not available offline)."""

from __future__ import annotations

from bedside.core.errors import InvalidInput
from bedside.core.i18n import N_
from bedside.payments.channels.base import ChannelAdapter

_adapters: dict[str, ChannelAdapter] = {}


def register(adapter: ChannelAdapter) -> None:
    _adapters[adapter.name] = adapter


def get(channel: str) -> ChannelAdapter:
    if not _adapters:
        from bedside.payments.sandbox.wiring import install_sandbox_adapters

        install_sandbox_adapters()
    adapter = _adapters.get(channel)
    if adapter is None:
        raise InvalidInput(N_("This payment channel is not available."), code="channel_unavailable")
    return adapter


def reset() -> None:
    _adapters.clear()
