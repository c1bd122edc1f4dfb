"""The counters a transport keeps for a run's log and manifest."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_ccanalytics.core.errors import RateLimitedError, RequestBudgetExhausted


@dataclass
class TransportStats:
    """Counters a run reports in its log and manifest."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    reauthentications: int = 0
    possible_orphan_jobs: int = 0
    retried_failures: list[str] = field(default_factory=list)
    #: the value of ``requests`` at which sending stops (a task's ``max_requests``; None: no limit)
    request_limit: int | None = None
    #: the ``max_requests`` behind ``request_limit`` (named in the error)
    request_budget: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def count_request(self) -> None:
        """Count one HTTP request about to be sent (every attempt: pages, retries, token requests, downloads).

        :raises RequestBudgetExhausted: when ``request_limit`` is reached; the request is then not sent.
        """
        with self._lock:
            if self.request_limit is not None and self.requests >= self.request_limit:
                raise RequestBudgetExhausted(self.request_budget)
            self.requests += 1

    def note_retry(self, error: BaseException) -> None:
        with self._lock:
            self.retries += 1
            if isinstance(error, RateLimitedError):
                self.throttled += 1
            if len(self.retried_failures) < 100:
                ident = getattr(error, "correlation_id", None) or type(error).__name__
                status = getattr(error, "status", "")
                self.retried_failures.append(f"{status} {ident}".strip())

    def note_failure(self, text: str) -> None:
        """Record a failure the run survived (it goes into the manifest's ``retried_failures``)."""
        with self._lock:
            if len(self.retried_failures) < 100:
                self.retried_failures.append(text)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "throttled": self.throttled,
                "reauthentications": self.reauthentications,
                "possible_orphan_jobs": self.possible_orphan_jobs,
                "retried_failures": list(self.retried_failures),
            }
