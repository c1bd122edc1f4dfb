"""The retry policy and the budget of one logical request (attempts and seconds), shared with nested requests."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import requests
import urllib3.exceptions

from airflow_provider_ccanalytics.core.errors import ConnectionFailedError, ServerError, TruncatedResponseError

#: 5xx after which a request that creates something may have taken effect (503: it was not processed)
AMBIGUOUS_SERVER_STATUSES = frozenset({500, 502, 504})
#: a body cut off or reset mid-read (requests wraps urllib3's IncompleteRead/ProtocolError in the first)
BODY_ERRORS = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.IncompleteRead,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry throttling, 5xx and dropped connections.

    :param max_attempts: failed attempts before giving up (a nested token request's failures count too).
    :param backoff_initial: first backoff in seconds when no Retry-After is given.
    :param backoff_max: the longest single backoff.
    :param max_retry_after: the longest Retry-After honoured; longer ones are capped.
    :param max_seconds: the most seconds one request may take, retries and nested token requests included.
    """

    max_attempts: int = 8
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0
    max_seconds: float = 300.0


def ambiguous(error: BaseException) -> bool:
    """Whether a failed request may still have taken effect on the server (it was sent, the answer was lost)."""
    if isinstance(error, (ConnectionFailedError, TruncatedResponseError)):
        return bool(getattr(error, "sent", True))
    return isinstance(error, ServerError) and error.status in AMBIGUOUS_SERVER_STATUSES


class Budget:
    """One logical request's allowance: attempts and seconds, shared with requests nested in it."""

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float]) -> None:
        self.policy = policy
        self.clock = clock
        self.started = clock()
        self.attempts = 0
        self.causes: deque[str] = deque(maxlen=3)

    def elapsed(self) -> float:
        return self.clock() - self.started

    def allows(self, wait: float) -> bool:
        """Whether another attempt after ``wait`` seconds fits in the budget."""
        return self.attempts < self.policy.max_attempts and self.elapsed() + wait <= self.policy.max_seconds

    def describe(self) -> str:
        return (
            f"gave up after {self.attempts} failed attempt(s) in {self.elapsed():.1f} s (budget "
            f"{self.policy.max_attempts} attempts, {self.policy.max_seconds:.0f} s: settings retry_max_attempts, "
            "retry_max_seconds); "
            f"last causes: {'; '.join(self.causes)}"
        )


current = threading.local()


def cause(error: BaseException) -> str:
    """A short line for the list of last causes: status, vendor code, correlation id; else the message."""
    status = getattr(error, "status", None)
    if status is not None:
        code = getattr(error, "code", None) or getattr(error, "error", None)
        ident = getattr(error, "correlation_id", None)
        return f"HTTP {status}" + (f" {code}" if code else "") + (f" [{ident}]" if ident else "")
    text = str(error)
    return text if len(text) <= 100 else text[:97] + "..."


def not_sent(error: requests.RequestException) -> bool:
    """Whether a requests error happened before the request left (connect refused, DNS, connect timeout)."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.NameResolutionError))
