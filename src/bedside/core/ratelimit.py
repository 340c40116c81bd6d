"""Rate limits as a layer over the `limits` library: moving-window counters per rule and key,
in this process's memory or in Redis (so that several workers share them), refused with a
RateLimited that says how long to wait."""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlparse

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from prometheus_client import Counter

from bedside.core import context
from bedside.core.errors import RateLimited

log = logging.getLogger("bedside.ratelimit")
# Refusals show an attack (or a limit too tight for a ward) on the dashboards; the audit trail
# keeps only the attempts that got through to a password or code check.
REFUSED = Counter("bedside_rate_limited_total", "Requests refused by a rate limit", ["rule"])
STORAGE_ERRORS = Counter("bedside_rate_limit_storage_errors_total", "Rate limit checks skipped")

KEY_PREFIX = "bedside"
STORAGE_SCHEMES = ("memory", "redis", "rediss", "redis+unix")
# A limit check is on the login path: a slow Redis must not hold a request for long.
REDIS_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True)
class Rule:
    """What is limited: `name` keeps the counters of different rules apart, `limits` is in the
    library's notation ("10/minute;60/hour", every part must hold; empty: no limit), and the
    message (with %(minutes)s or %(seconds)s) says why the caller has to wait."""

    name: str
    limits: str
    message: str = RateLimited.message
    code: str = RateLimited.code


@lru_cache(maxsize=128)
def parse(spec: str) -> tuple[RateLimitItem, ...]:
    """The items of a limit string; raises ValueError when it is not one."""
    return tuple(parse_many(spec)) if spec.strip() else ()


def _storage_options(uri: str, key_prefix: str) -> dict[str, float | str | bool]:
    if urlparse(uri).scheme not in STORAGE_SCHEMES:
        raise ValueError("unsupported rate limit storage: use memory:// or a redis:// URL")
    if uri.startswith("memory"):
        return {}
    return {
        "key_prefix": key_prefix,
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    }


class Limiter:
    def __init__(self, storage_uri: str = "memory://", *, key_prefix: str = KEY_PREFIX) -> None:
        self.storage = storage_from_string(
            storage_uri, wrap_exceptions=True, **_storage_options(storage_uri, key_prefix)
        )
        self.strategy = MovingWindowRateLimiter(self.storage)

    def retry_after(self, rule: Rule, *key: str) -> int | None:
        """Seconds until the rule allows one more, or None when it allows one now."""
        waits = []
        try:
            for item in parse(rule.limits):
                if not self.strategy.test(item, rule.name, *key):
                    reset = self.strategy.get_window_stats(item, rule.name, *key).reset_time
                    waits.append(max(1, math.ceil(reset - time.time())))
        except StorageError as exc:
            # Fail open: a Redis outage must not lock every patient and nurse out; the limits
            # kept in the database (per phone number, per code) still hold meanwhile.
            log.warning("rate limit storage unavailable, %s not checked: %s", rule.name, exc)
            STORAGE_ERRORS.inc()
            return None
        return max(waits) if waits else None

    def check(self, rule: Rule, *key: str) -> None:
        """Raises RateLimited when the rule is used up, without counting this request."""
        wait = self.retry_after(rule, *key)
        if wait is not None:
            REFUSED.labels(rule.name).inc()
            raise refusal(rule, wait)

    def count(self, rule: Rule, *key: str) -> bool:
        """Counts one; False once the rule is used up, this one included."""
        try:
            items = parse(rule.limits)
            for item in items:
                self.strategy.hit(item, rule.name, *key)
            return all(self.strategy.test(item, rule.name, *key) for item in items)
        except StorageError as exc:
            log.warning("rate limit storage unavailable, %s not counted: %s", rule.name, exc)
            STORAGE_ERRORS.inc()
            return True

    def hit(self, rule: Rule, *key: str) -> None:
        """Check, then count: for requests that each cost something (an SMS)."""
        self.check(rule, *key)
        self.count(rule, *key)

    def clear(self, rule: Rule, *key: str) -> None:
        try:
            for item in parse(rule.limits):
                self.strategy.clear(item, rule.name, *key)
        except StorageError as exc:
            log.warning("rate limit storage unavailable, %s not cleared: %s", rule.name, exc)

    def reset(self) -> None:
        """Forgets every counter under this limiter's prefix (tests, and `memory://` restarts)."""
        self.storage.reset()


def refusal(rule: Rule, wait: int) -> RateLimited:
    return RateLimited(
        rule.message,
        code=rule.code,
        params={"seconds": wait, "minutes": math.ceil(wait / 60)},
        retry_after=wait,
    )


_current: dict[str, Limiter] = {}


def configure(storage_uri: str) -> Limiter:
    _current["limiter"] = Limiter(storage_uri)
    return _current["limiter"]


def limiter() -> Limiter:
    """The app's limiter (create_app configures it); in memory until something configures it."""
    if "limiter" not in _current:
        configure("memory://")
    return _current["limiter"]


def client_address() -> str:
    """The caller's address (set per request by the app's middleware) as a limit key."""
    return address_key(context.client_ip.get())


def address_key(raw: str | None) -> str:
    """IPv6 counts by /64: one subscriber or one Wi-Fi network gets a whole /64, so single
    addresses would let a script step around a limit."""
    if not raw:
        return "-"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)
