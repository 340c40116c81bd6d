"""Bedside's write-back to the HIS: the port (deliver one signed event, ping) and the real
client, a JSON webhook over HTTPS.

The wire format (docs/go-live.md, "HIS write-back"): POST to BEDSIDE_HIS_WEBHOOK_URL with the
event as a JSON body and the headers

    X-Bedside-Event:      admission.registered | deposit.paid | … | ping
    X-Bedside-Event-Id:   the delivery id (the same on every retry: the HIS drops repeats)
    X-Bedside-Timestamp:  Unix seconds when this attempt was signed
    X-Bedside-Signature:  sha256=<hex HMAC-SHA256(BEDSIDE_HIS_WEBHOOK_SECRET, timestamp + "." + body)>

A 2xx acknowledges. 408, 429, 5xx, a timeout or a refused connection are retried; any other
4xx (a refused signature among them) is a permanent failure that waits for IT."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import httpx

SIGNATURE_HEADER = "X-Bedside-Signature"
TIMESTAMP_HEADER = "X-Bedside-Timestamp"
EVENT_HEADER = "X-Bedside-Event"
EVENT_ID_HEADER = "X-Bedside-Event-Id"
# How far a timestamp may be from the receiver's clock before it refuses a replay.
MAX_SKEW_SECONDS = 300
RETRIED_4XX = frozenset({408, 429})


class Outcome(StrEnum):
    ACKED = "acked"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    status: int | None  # the HTTP status, None when no answer came
    detail: str


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None) -> bool:
    """The receiver's check (the bundled HIS peer uses it; a HIS may copy it)."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        return False
    return age <= MAX_SKEW_SECONDS and hmac.compare_digest(sign(secret, timestamp, body), signature)


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def classify(status: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome.ACKED
    if status >= 500 or status in RETRIED_4XX:
        return Outcome.RETRY
    return Outcome.FAILED


class HisWebhook(Protocol):
    url: str

    def deliver(self, event_id: str, event: str, body: bytes) -> Answer: ...

    def ping(self) -> Answer: ...


class HttpHisWebhook:
    def __init__(self, url: str, secret: str, timeout_seconds: float = 5.0) -> None:
        self.url, self._secret = url, secret
        self._timeout = httpx.Timeout(timeout_seconds, connect=min(3.0, timeout_seconds))

    def deliver(self, event_id: str, event: str, body: bytes) -> Answer:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            EVENT_HEADER: event,
            EVENT_ID_HEADER: event_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        try:
            response = httpx.post(self.url, content=body, headers=headers, timeout=self._timeout)
        except httpx.TimeoutException:
            # The HIS may have stored it: the retry carries the same event id.
            return Answer(Outcome.RETRY, None, "timeout")
        except httpx.HTTPError as exc:
            return Answer(Outcome.RETRY, None, f"{type(exc).__name__}")
        return Answer(classify(response.status_code), response.status_code, response.text[:200])

    def ping(self) -> Answer:
        body = encode({"event": "ping", "id": "ping", "data": {}})
        return self.deliver("ping", "ping", body)


def from_settings(settings: Any) -> HttpHisWebhook | None:
    if not settings.his_webhook_url:
        return None
    return HttpHisWebhook(
        settings.his_webhook_url, settings.his_webhook_secret, settings.his_webhook_timeout_seconds
    )
