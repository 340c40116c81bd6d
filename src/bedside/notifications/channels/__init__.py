"""External message channels. Each adapter turns one rendered message into one send and
answers with a Result; it never touches the database (the delivery outbox does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    template: str
    locale: str
    title: str
    body: str
    address: str  # phone number, WeChat openid, or the account id for the log
    link: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass(frozen=True)
class Result:
    ok: bool
    error: str | None = None
    code: str | None = None
    provider_ref: str | None = None
    # False for errors another attempt cannot fix (unknown openid, no template configured).
    retryable: bool = True


class Channel(Protocol):
    name: str

    def send(self, message: Outgoing) -> Result: ...


_registry: dict[str, Channel] = {}


def _default(name: str) -> Channel:
    from bedside.notifications.channels.log import LogChannel
    from bedside.notifications.channels.sms import SmsChannel
    from bedside.notifications.channels.wechat import WechatChannel, transport_from_settings

    if name == "sms":
        return SmsChannel()
    if name == "wechat":
        return WechatChannel(transport_from_settings())
    if name == "log":
        return LogChannel()
    raise KeyError(name)


def get(name: str) -> Channel:
    if name not in _registry:
        _registry[name] = _default(name)
    return _registry[name]


def set_channel(name: str, channel: Channel | None) -> None:
    """Tests and the demo swap an adapter (None puts the default back)."""
    if channel is None:
        _registry.pop(name, None)
    else:
        _registry[name] = channel


def reset() -> None:
    _registry.clear()
