"""The rate-limit layer on both storages: memory, and the Redis at 127.0.0.1:6379 (every test
under a key prefix of its own, removed afterwards)."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator

import pytest
from limits.storage import storage_from_string

from bedside.core import context, ratelimit
from bedside.core.errors import RateLimited

REDIS = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    try:
        return bool(storage_from_string(REDIS, socket_connect_timeout=0.5).check())
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


@pytest.fixture(params=["memory://", REDIS], ids=["memory", "redis"])
def limiter(request: pytest.FixtureRequest) -> Iterator[ratelimit.Limiter]:
    if request.param == REDIS and not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is expected at 127.0.0.1:6379 in CI")
        pytest.skip("no Redis at 127.0.0.1:6379")
    limiter = ratelimit.Limiter(request.param, key_prefix=f"bedside-test-{uuid.uuid4().hex}")
    yield limiter
    limiter.reset()


RULE = ratelimit.Rule("test", "3/minute", "Slow down: %(seconds)s s", "test_limited")


def test_hit_refuses_past_the_limit_and_says_when(limiter):
    for _ in range(3):
        limiter.hit(RULE, "a")
    with pytest.raises(RateLimited) as refused:
        limiter.hit(RULE, "a")
    error = refused.value
    assert error.code == "test_limited" and error.status == 429
    assert 0 < error.retry_after <= 60
    assert error.headers() == {"Retry-After": str(error.retry_after)}
    assert error.problem("en")["retry_after"] == error.retry_after
    assert error.localized("en") == f"Slow down: {error.retry_after} s"


def test_keys_and_rules_count_apart(limiter):
    for _ in range(3):
        limiter.hit(RULE, "a")
    limiter.hit(RULE, "b")
    limiter.hit(ratelimit.Rule("other", "3/minute"), "a")
    assert limiter.retry_after(RULE, "a") is not None
    assert limiter.retry_after(RULE, "b") is None


def test_check_does_not_count_and_count_reports_the_last_allowed(limiter):
    for _ in range(5):
        limiter.check(RULE, "a")
    assert [limiter.count(RULE, "a") for _ in range(4)] == [True, True, False, False]
    with pytest.raises(RateLimited):
        limiter.check(RULE, "a")


def test_clear_forgets_one_key(limiter):
    for _ in range(3):
        limiter.count(RULE, "a")
        limiter.count(RULE, "b")
    limiter.clear(RULE, "a")
    assert limiter.retry_after(RULE, "a") is None
    assert limiter.retry_after(RULE, "b") is not None


def test_every_part_of_a_limit_must_hold(limiter):
    rule = ratelimit.Rule("parts", "5/minute;2/hour")
    limiter.hit(rule, "a")
    limiter.hit(rule, "a")
    with pytest.raises(RateLimited) as refused:
        limiter.hit(rule, "a")
    assert 60 < refused.value.retry_after <= 3600


def test_an_empty_limit_allows_everything(limiter):
    rule = ratelimit.Rule("off", "")
    for _ in range(50):
        limiter.hit(rule, "a")


def test_prefixes_keep_limiters_apart():
    if not _redis_up():
        pytest.skip("no Redis at 127.0.0.1:6379")
    one, two = (ratelimit.Limiter(REDIS, key_prefix=f"bedside-test-{uuid.uuid4().hex}") for _ in range(2))
    try:
        for _ in range(3):
            one.count(RULE, "a")
        assert one.retry_after(RULE, "a") is not None
        assert two.retry_after(RULE, "a") is None
        two.reset()
        assert one.retry_after(RULE, "a") is not None
    finally:
        one.reset()
        two.reset()


def test_an_unreachable_redis_fails_open(caplog):
    limiter = ratelimit.Limiter("redis://127.0.0.1:1/0", key_prefix="bedside-test-unreachable")
    with caplog.at_level(logging.WARNING, logger="bedside.ratelimit"):
        for _ in range(5):
            limiter.hit(RULE, "a")
    assert "rate limit storage unavailable" in caplog.text


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (None, "-"),
        ("", "-"),
        ("192.0.2.10", "192.0.2.10"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.10", "192.0.2.10"),
        ("testclient", "testclient"),
    ],
)
def test_address_keys(raw, key):
    assert ratelimit.address_key(raw) == key
    token = context.client_ip.set(raw)
    try:
        assert ratelimit.client_address() == key
    finally:
        context.client_ip.reset(token)


@pytest.mark.parametrize("spec", ["lots", "10/fortnight", "ten/minute"])
def test_bad_limits_are_refused(spec):
    with pytest.raises(ValueError):
        ratelimit.parse(spec)


def test_unknown_storage_is_refused():
    with pytest.raises(ValueError):
        ratelimit.Limiter("memcached://127.0.0.1:11211")
