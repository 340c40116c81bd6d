"""Which adapter serves which channel. The composition root (bedside.wiring) sets the installer
that fills the registry on first use: the configured channels over HTTP, and whatever it
chooses for the rest (the in-process sandbox in demo and test mode). Product code never
chooses the sandbox itself."""

from __future__ import annotations

import threading
from collections.abc import Callable

from bedside.core.errors import InvalidInput
from bedside.core.i18n import N_
from bedside.payments.channels.base import ChannelAdapter

_adapters: dict[str, ChannelAdapter] = {}
_installer: Callable[[], None] | None = None
_lock = threading.Lock()


def register(adapter: ChannelAdapter) -> None:
    _adapters[adapter.name] = adapter


def set_installer(installer: Callable[[], None] | None) -> None:
    global _installer
    _installer = installer


def get(channel: str) -> ChannelAdapter:
    if not _adapters and _installer is not None:
        with _lock:
            if not _adapters:
                _installer()
    adapter = _adapters.get(channel)
    if adapter is None:
        raise InvalidInput(N_("This payment channel is not available."), code="channel_unavailable")
    return adapter


def reset() -> None:
    _adapters.clear()
