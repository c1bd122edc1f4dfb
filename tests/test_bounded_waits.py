"""Every wait bounded: one cap (the retry policy's ``max_retry_after``) on every Retry-After, before any limiter.

Over the wire: the sandbox answers 429 with ``Retry-After`` values a hostile or broken vendor might send (31 years,
``inf``, ``nan``, negative, text); the transport's waits, the adaptive limiter's pause and the Redis bucket's pause
all stay within the cap, and the Redis key expires.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_ccanalytics.core.http import (
    AdaptiveRateLimiter,
    HttpTransport,
    RedisRateLimiter,
    RetryPolicy,
    bounded_wait,
    parse_retry_after,
    redis_client,
)
from airflow_provider_ccanalytics.testing import Sandbox
from tests import clients

CAP = 0.5
POLICY = RetryPolicy(max_attempts=5, backoff_initial=0.01, backoff_max=0.05, max_retry_after=CAP, max_seconds=30)
ORG = r"/api/v2/organizations/me$"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("1000000000", 300.0),
        ("inf", 300.0),
        ("1e999", 300.0),
        ("-Infinity", 0.0),
        ("-5", 0.0),
        ("nan", None),
        ("soon", None),
        ("", None),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 300.0),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        ("2.5", 2.5),
    ],
)
def test_a_retry_after_header_is_read_within_the_cap(header: str, expected: float | None) -> None:
    assert parse_retry_after(header) == expected
    assert bounded_wait(float("inf"), 7.0) == 7.0 and bounded_wait(float("nan")) is None


class Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.mark.parametrize("header", ["1000000000", "inf", "nan", "-3", "soon", "1e999"])
def test_hostile_retry_after_values_never_wait_past_the_cap(sandbox: Sandbox, header: str) -> None:
    sleeps = Recorder()
    limiter = AdaptiveRateLimiter(6000, window=60, congestion=0.0, max_pause=300, sleep=sleeps)
    http = HttpTransport(retry=POLICY, limiter=limiter, sleep=sleeps)
    client = clients.genesys(sandbox, http=http)
    client.organization_id  # noqa: B018 (a token and the first call, before the faults)
    sandbox.add_fault(ORG, status=429, times=3, retry_after_text=header)
    client.runtime._facts.clear()
    started = time.monotonic()
    assert client.organization_id == sandbox.config.genesys_org_id  # no OverflowError, no endless wait
    assert sandbox.count("fault 429") == 3
    assert sleeps.waits and all(0 <= wait <= CAP + 0.2 for wait in sleeps.waits)  # limiter slots: ~0.01 s each
    assert limiter._paused_until - time.monotonic() <= CAP  # the transport capped it before the limiter saw it
    assert time.monotonic() - started < 20


def test_the_adaptive_limiter_caps_a_pause_it_is_told_directly() -> None:
    now = [0.0]
    limiter = AdaptiveRateLimiter(300, window=60, congestion=0.0, max_pause=2.0, clock=lambda: now[0])
    for _ in range(3):
        limiter.feedback(True, float("inf"))
        limiter.feedback(True, float("nan"))
        limiter.feedback(True, 1e9)
    assert limiter._paused_until <= 2.0
    assert math.isfinite(limiter._paused_until)


from tests.test_scale_out import REDIS_PASSWORD, redis_url  # noqa: E402, F401 (the fixture: a private redis-server)


@pytest.fixture
def redis_limiter(redis_url: str) -> Iterator[RedisRateLimiter]:  # noqa: F811
    yield RedisRateLimiter(redis_client(redis_url, REDIS_PASSWORD), "bounded", 300, window=60, max_pause=2.0)


def test_the_redis_pause_is_capped_and_written_with_an_expiry(redis_limiter: RedisRateLimiter, tmp_path: Path) -> None:
    client = redis_limiter._script.registered_client
    redis_limiter.feedback(True, 1_000_000_000.0)
    redis_limiter.feedback(True, float("inf"))
    ttl = client.ttl(redis_limiter.key)
    assert 0 < ttl <= 60 + 2 + 2  # the bucket's own ttl plus the capped pause
    # a pause of 31 years already stored (by an older release) is read as the cap
    client.hset(redis_limiter.key, "paused_until", str(time.time() + 1e9))
    assert redis_limiter.acquire() <= 2.0 + 1 / redis_limiter.rate + 0.1  # the pause, then one slot
