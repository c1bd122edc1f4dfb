"""The token bucket never lets a window exceed the limit, and catches up on missed slots."""

from __future__ import annotations

import bisect
import random

from airflow_provider_ccanalytics.core.ratelimit import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def max_in_any_window(times: list[float], window: float) -> int:
    return max(bisect.bisect_left(times, t + window) - i for i, t in enumerate(times))


def test_no_window_exceeds_the_limit_even_with_irregular_callers() -> None:
    fake, rng = FakeTime(), random.Random(3)
    limiter = RateLimiter(300, window=60, clock=fake.clock, sleep=fake.sleep)
    sent = []
    for _ in range(3000):
        fake.now += rng.choice([0.0, 0.0, 0.05, 0.5, 3.0])  # bursts, busy spells and idle gaps
        limiter.acquire()
        sent.append(fake.now)
    assert max_in_any_window(sent, 60.0) <= 297  # burst 6 + 97 % of 300


def test_a_busy_caller_catches_up_on_missed_slots_within_the_burst() -> None:
    fake = FakeTime()
    limiter = RateLimiter(300, window=60, clock=fake.clock, sleep=fake.sleep)
    for _ in range(100):
        limiter.acquire()
    start = fake.now
    fake.now += 1.0  # busy for almost five slots' time (a slot is 60 / 291 s)
    waits = [limiter.acquire() for _ in range(4)]
    assert waits == [0.0, 0.0, 0.0, 0.0]  # the missed slots are used now, not lost
    assert fake.now == start + 1.0
    assert limiter.acquire() > 0  # the fifth was not earned yet
    steady = [limiter.acquire() for _ in range(200)]
    assert abs(sum(steady) / len(steady) - 60 / (300 * 0.97)) < 0.01
