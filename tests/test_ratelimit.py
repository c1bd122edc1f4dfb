"""The token bucket never lets a window exceed the limit, and catches up on missed slots."""

from __future__ import annotations

import bisect
import random

import pytest

from airflow_provider_ccanalytics.core.http import AdaptiveRateLimiter, RateLimiter


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


def test_scattered_429s_leave_the_rate_alone_a_window_full_of_them_cuts_it_once_and_it_recovers() -> None:
    fake = FakeTime()
    limiter = AdaptiveRateLimiter(300, window=60, clock=fake.clock, sleep=fake.sleep)
    for i in range(1000):  # 2.5 % of the answers are 429s, scattered: vendor hiccups, not the limit
        limiter.acquire()
        limiter.feedback(i % 40 == 0, retry_after=1.0)
    assert limiter.throttles == 25 and limiter.rate == limiter.ceiling
    started = fake.now
    for _ in range(20):  # the answers to the requests in flight when the token's window filled up
        limiter.feedback(True, retry_after=5.0)
    assert limiter.rate == pytest.approx(0.7 * limiter.ceiling)  # cut once for the burst, not 20 times
    assert limiter.acquire() >= 5.0  # and paused for its Retry-After
    for _ in range(600):  # two windows without a 429: back to the full rate (CUBIC)
        limiter.acquire()
        limiter.feedback(False)
    assert limiter.rate == limiter.ceiling and fake.now - started > 120


def test_four_uncoordinated_limiters_on_one_limit_converge_below_it() -> None:
    """Four processes on one token, each with its own adaptive bucket, against a vendor that allows 300 per 60 s
    (a sliding window of accepted requests): they start at 4x the limit, then share it, with a few 429s."""
    fake = FakeTime()
    limiters = [AdaptiveRateLimiter(300, window=60, clock=fake.clock, sleep=lambda _s: None) for _ in range(4)]
    accepted: list[float] = []
    due = [0.0] * 4  # when each process sends its next request
    answers: list[tuple[float, bool]] = []
    while fake.now < 600:
        who = min(range(4), key=due.__getitem__)
        fake.now = due[who]
        wait = limiters[who].acquire()
        sent = fake.now + wait
        throttled = bisect.bisect_left(accepted, sent - 60) <= len(accepted) - 300
        if not throttled:
            accepted.append(sent)
        limiters[who].feedback(throttled, retry_after=1.0 if throttled else None)
        answers.append((sent, throttled))
        due[who] = sent + 0.01
    late = [throttled for sent, throttled in answers if sent > 300]  # after five windows
    # measured: 11 % of the answers are 429s (buckets that did not adapt: 75 %) and 99 % of the limit is used: a
    # 429 cuts only once they are 8 % of the answers, so that scattered ones do not; fewer need one shared bucket
    # (the Redis limiter)
    assert sum(late) / len(late) < 0.15
    assert len([t for t in accepted if t > 300]) / (300 * 300 / 60) > 0.9


def test_the_rate_regrows_from_the_end_of_the_pause_not_from_the_429() -> None:
    now = [0.0]
    limiter = AdaptiveRateLimiter(300, window=60, congestion=0.0, clock=lambda: now[0])
    for _ in range(2):  # two 429s at once: congestion, one cut and a 30 s pause
        limiter.feedback(True, 30.0)
    cut = limiter.rate
    assert cut == pytest.approx(0.7 * limiter.ceiling)
    now[0] = 30.0  # the pause ends: the first request after it goes at the cut rate, not at 97 % of the old one
    limiter.feedback(False)
    assert limiter.rate == pytest.approx(cut)
    now[0] = 30.0 + 30.0
    limiter.feedback(False)
    assert cut < limiter.rate < 0.99 * limiter.ceiling
    now[0] = 30.0 + 120.0
    limiter.feedback(False)
    assert limiter.rate == pytest.approx(limiter.ceiling)


def test_a_slot_reserved_before_a_cut_is_taken_again_after_its_pause() -> None:
    """Four workers on one token: a request already waiting for a slot reserved at the old rate would be sent into
    the full window the 429 reported (about 30 429s of 250 requests at Genesys' rate in a 10 s window)."""
    fake = FakeTime()
    limiter = AdaptiveRateLimiter(300, window=60, congestion=0.0, clock=fake.clock, sleep=fake.sleep)
    for _ in range(6):  # the burst: no wait
        assert limiter.acquire() == 0.0
    cut_at: list[float] = []

    def sleep(seconds: float) -> None:  # while this request waits for its slot, two 429s cut the rate
        if not cut_at:
            fake.now += seconds / 2
            cut_at.append(fake.now)
            limiter.feedback(True, retry_after=5.0)
            limiter.feedback(True, retry_after=5.0)
            fake.now += seconds / 2
        else:
            fake.now += seconds

    limiter._sleep = sleep  # type: ignore[method-assign]  # the test's own sleep: the cut comes during the wait
    limiter.acquire()
    assert limiter.cuts == 1 and limiter.rate == pytest.approx(0.7 * limiter.ceiling)
    assert fake.now >= cut_at[0] + 5.0  # sent after the pause, not at the slot reserved before the 429s
    before = fake.now
    limiter.acquire()  # the next one is paced at about the new rate: the bucket did not fill during the pause
    assert fake.now - before > 0.9 / (0.7 * limiter.ceiling)
