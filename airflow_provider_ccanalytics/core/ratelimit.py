"""Client-side pacing: a token bucket that keeps every window under the vendor's limit.

In any window of ``window`` seconds it allows at most ``burst + headroom * per_window``
requests (by default 2 % + 97 % = 99 % of the limit), so a clean run meets no 429, while a
caller that was briefly busy can catch up on the slots it missed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Paces calls to ``per_window`` per ``window`` seconds, across threads.

    :param per_window: requests the vendor allows per window (Genesys: 300 per 60 s per token).
    :param window: the window length in seconds (60 for real vendors; smaller in time-scaled tests).
    :param headroom: share of the limit used as the steady rate.
    :param burst: requests that may go at once after idle time (default 2 % of the limit, at least 1).
    """

    def __init__(
        self,
        per_window: float,
        *,
        window: float = 60.0,
        headroom: float = 0.97,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_window <= 0 or window <= 0:
            raise ValueError("per_window and window must be positive")
        self.rate = per_window * headroom / window  # requests per second
        self.capacity = burst if burst is not None else max(1.0, per_window * 0.02)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one request's slot, waiting for it if needed; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1.0  # below zero: a reservation of a future slot
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


_shared: dict[tuple[str, float, float], RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_rate_limiter(key: str, per_window: float, window: float = 60.0) -> RateLimiter:
    """The one limiter of this process for ``key`` (one per connection), made on first use."""
    with _shared_lock:
        limiter = _shared.get((key, per_window, window))
        if limiter is None:
            limiter = _shared[(key, per_window, window)] = RateLimiter(per_window, window=window)
        return limiter
