"""Client-side pacing: the :class:`Limiter` interface and an adaptive in-process token bucket.

The bucket allows at most ``burst + headroom * per_window`` requests in any window of ``window`` seconds (by default
2 % + 97 % = 99 % of the limit), so one clean process meets no 429, while a caller that was briefly busy can catch
up on the slots it missed. Processes that share a token but not a limiter (several workers on one connection) each
start at that rate; the bucket is **adaptive** like the AWS SDKs' adaptive retry mode: once 429s are a real share of
the last window's answers since the last cut (``congestion``, 8 %, of at least a quarter window's worth of requests
at the full rate), a 429 cuts its fill rate (multiplicatively, by ``beta``, once per burst) and pauses it for the
answer's ``Retry-After``; then the rate recovers along a CUBIC curve timed from the end of that pause, slowly near
the rate where the throttling happened, so processes converge on their share of the vendor's limit without talking
to each other. A cut gives back the slots reserved at the old rate: the requests waiting for them take new ones
after the pause (sent at their old slots, they meet the full window the 429 reported), and a paused bucket refills
from the end of the pause, so that no burst follows it (four workers on one token at Genesys' rate: 429s from 29-32 %
to 11.7 % of the requests). A stray 429 (a vendor hiccup, not the limit: the other answers went through) only delays
its own request, which the retry policy resends after its ``Retry-After``; cutting the rate for each would let
scattered 429s drive it down to the floor. For one budget shared exactly by every worker, use the Redis limiter
(:mod:`.redis_limiter`): a limiter in each process cannot tell its share of a token from 429s alone (BENCHMARKS.md)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from airflow_provider_ccanalytics.core.http.responses import bounded_wait


class Limiter(Protocol):
    """Paces the requests of one connection (one token)."""

    def acquire(self) -> float:
        """Take one request's slot, waiting for it if needed; returns the seconds waited."""
        ...

    def feedback(self, throttled: bool, retry_after: float | None = None) -> None:
        """Tell the limiter how a paced request went.

        :param throttled: the vendor answered 429.
        :param retry_after: the answer's ``Retry-After`` in seconds, if any.
        """
        ...


class AdaptiveRateLimiter:
    """An adaptive token bucket paced to ``per_window`` per ``window`` seconds, across threads.

    :param per_window: requests the vendor allows per window (Genesys: 300 per 60 s per token).
    :param window: the window length in seconds (60 for real vendors; smaller in time-scaled tests).
    :param headroom: share of the limit used as the steady (and highest) rate.
    :param burst: requests that may go at once after idle time (default 2 % of the limit, at least 1).
    :param beta: the share of the rate kept after a 429 (AWS SDKs: 0.7).
    :param scale: CUBIC's growth constant, in shares of the ceiling per window cubed (AWS SDKs: 0.4).
    :param floor: the lowest rate, as a share of the ceiling.
    :param max_pause: the longest pause a ``Retry-After`` may cause (the retry policy's ``max_retry_after``).
    :param congestion: the share of 429s among the answers since the last cut within the last window (counted
        as at least a quarter window's worth at the full rate) from which a 429 cuts the rate (and two at least).
    """

    def __init__(
        self,
        per_window: float,
        *,
        window: float = 60.0,
        headroom: float = 0.97,
        burst: float | None = None,
        beta: float = 0.7,
        scale: float = 0.4,
        floor: float = 0.05,
        congestion: float = 0.08,
        max_pause: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_window <= 0 or window <= 0:
            raise ValueError("per_window and window must be positive")
        self.ceiling = per_window * headroom / window  # requests per second
        self.rate = self.ceiling
        self.capacity = burst if burst is not None else max(1.0, per_window * 0.02)
        self.window = window
        self.beta, self.scale, self.floor, self.congestion = beta, scale, floor, congestion
        self.max_pause = max_pause
        self.throttles = 0
        self.cuts = 0  # rate cuts so far
        self._answers: deque[tuple[float, bool]] = deque()  # (when, throttled) of the last window's answers
        self._throttled = 0  # how many of them were 429s
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._last_max = 1.0  # the share of the ceiling at the last 429
        self._last_throttle: float | None = None  # when the rate was last cut (one cut per burst of 429s)
        self._regrow_from = 0.0  # when regrowth starts: the end of the cut's Retry-After pause
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._recover(now)
                start = max(now, self._paused_until)
                if start > now:  # paused by a Retry-After: the bucket refills from the end of the pause only (not a
                    # burst of ``capacity`` when it ends: four workers each sending one is a burst in the full window)
                    self._tokens = min(self._tokens, 0.0)
                    self._updated = max(self._updated, start)
                self._tokens = min(self.capacity, self._tokens + max(0.0, now - self._updated) * self.rate)
                self._updated = max(self._updated, now)
                self._tokens -= 1.0  # below zero: a reservation of a future slot
                wait = (start - now) + (-self._tokens / self.rate if self._tokens < 0 else 0.0)
                cuts = self.cuts
            if wait <= 0:
                return waited
            self._sleep(wait)
            waited += wait
            with self._lock:
                if self.cuts == cuts:
                    return waited
            # the rate was cut (and paused) while this request waited for a slot reserved at the old rate: sent now,
            # it would meet the full window the 429 reported; it takes a slot at the new rate, after the pause

    def feedback(self, throttled: bool, retry_after: float | None = None) -> None:
        with self._lock:
            now = self._clock()
            self._count(now, throttled)
            if not throttled:
                self._recover(now)
                return
            self.throttles += 1
            # of the answers since the last cut within the last window, and of at least a quarter window's worth at
            # the full rate: fewer answers would make scattered 429s a larger share, and each cut the next one
            sample = max(float(len(self._answers)), self.ceiling * self.window / 4)
            if self._throttled < max(2.0, self.congestion * sample):
                return  # a stray 429: only its own request waits
            share = self.rate / self.ceiling
            if self._last_throttle is None or now - self._last_throttle > 1.0 / self.rate:
                # one cut per burst of 429s: the answers to requests already in flight say the same thing
                self._last_max = share
                self.rate = max(self.floor, share * self.beta) * self.ceiling
                self._last_throttle = now
                self._regrow_from = now
                self._answers.clear()  # the next cut is judged on the answers at the new rate
                self._throttled = 0
                # the slots reserved at the old rate are given back: their requests take new ones (see acquire)
                self._tokens = min(self._tokens, 0.0)
                self._updated = max(self._updated, now)
                self.cuts += 1
            pause = bounded_wait(retry_after, self.max_pause)
            if pause:
                self._paused_until = max(self._paused_until, now + pause)
            # the rate regrows from the end of the pause: timed from the 429, most of the cut had grown back by the
            # time the pause let the first request through (four workers on one token: 33 % of answers were 429s)
            self._regrow_from = max(self._regrow_from, self._paused_until)

    def _count(self, now: float, throttled: bool) -> None:
        """Keep the answers of the last window, and how many of them were 429s."""
        self._answers.append((now, throttled))
        self._throttled += throttled
        while self._answers and self._answers[0][0] <= now - self.window:
            self._throttled -= self._answers.popleft()[1]

    def _recover(self, now: float) -> None:
        """CUBIC growth since the end of the last cut's pause: fast far below the last maximum, slow near it, capped
        at the ceiling."""
        if self._last_throttle is None or self.rate >= self.ceiling:
            return
        elapsed = max(0.0, now - self._regrow_from) / self.window
        k = (self._last_max * (1 - self.beta) / self.scale) ** (1 / 3)
        share = self.scale * (elapsed - k) ** 3 + self._last_max
        self.rate = min(self.ceiling, max(self.floor * self.ceiling, share * self.ceiling, self.rate))


#: the name of the bucket before it became adaptive
RateLimiter = AdaptiveRateLimiter
