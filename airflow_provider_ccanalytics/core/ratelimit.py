"""Client-side pacing: requests spaced evenly so a clean run never meets a 429."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Spaces calls evenly at ``per_minute`` per ``window`` seconds, across threads.

    :param per_minute: requests allowed per window.
    :param window: the window length in seconds (60 for real vendors; smaller in time-scaled tests).
    :param headroom: fraction of the limit to use, so clock skew never tips a window over.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        window: float = 60.0,
        headroom: float = 0.97,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.interval = window / (per_minute * headroom)
        self._clock = clock
        self._sleep = sleep
        self._next_slot = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until this caller's slot; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait


_shared: dict[tuple[str, float, float], RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_rate_limiter(key: str, per_minute: float, window: float = 60.0) -> RateLimiter:
    """The one limiter of this process for ``key`` (one per connection), made on first use."""
    with _shared_lock:
        limiter = _shared.get((key, per_minute, window))
        if limiter is None:
            limiter = _shared[(key, per_minute, window)] = RateLimiter(per_minute, window=window)
        return limiter
