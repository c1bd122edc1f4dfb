"""A sandbox clock that tests can move: simulate days of vendor time in seconds.

``sandbox.clock = SimulatedClock("2026-01-02T03:00:00Z")`` makes the sandbox answer as if it were
that instant (tokens, job durations and rate windows still pass in real seconds times ``scale``);
``clock.set(...)`` and ``clock.advance(...)`` move it between DAG runs.

Sources: no vendor shape of its own (a test device: the vendors' clocks are real time).
"""

from __future__ import annotations

import threading
import time

from airflow_provider_ccanalytics.testing.data import parse_ts


class SimulatedClock:
    """Seconds since the epoch, starting at ``start`` and running ``scale`` times real time.

    :param start: an ISO-8601 instant or epoch seconds.
    :param scale: simulated seconds per real second (1: real speed).
    """

    def __init__(self, start: str | float, scale: float = 1.0) -> None:
        self.scale = scale
        self._lock = threading.Lock()
        self._origin, self._real = self._seconds(start), time.monotonic()

    @staticmethod
    def _seconds(moment: str | float) -> float:
        return parse_ts(moment) if isinstance(moment, str) else float(moment)

    def __call__(self) -> float:
        with self._lock:
            return self._origin + (time.monotonic() - self._real) * self.scale

    def set(self, moment: str | float) -> None:
        """Jump to ``moment`` (forwards or backwards)."""
        with self._lock:
            self._origin, self._real = self._seconds(moment), time.monotonic()

    def advance(self, seconds: float) -> None:
        """Move forwards by ``seconds`` of simulated time."""
        self.set(self() + seconds)
