"""The retry policy, the budget of one logical request (attempts and seconds, shared with nested requests), and the
tenacity strategies that spend it.

The retry loop is tenacity's (:func:`retrying`): a stop on the shared budget, a wait that honours the (capped)
``Retry-After``, a retry predicate per error class and ``before_sleep`` logging. An honoured throttle (a 429, or a
503 with ``Retry-After``, whose wait fits in the budget) is the vendor saying "wait": it spends seconds, not
attempts; attempts count real failures (5xx without ``Retry-After``, resets, bodies cut off, token failures).
"""

from __future__ import annotations

import logging
import random
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
import tenacity
import urllib3.exceptions

from airflow_provider_ccanalytics.core.errors import (
    CcAnalyticsError,
    ConnectionFailedError,
    ServerError,
    TruncatedResponseError,
)

log = logging.getLogger("airflow_provider_ccanalytics")

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
        self.throttles = 0  # honoured Retry-After answers: they spend seconds, not attempts
        self.causes: deque[str] = deque(maxlen=3)

    def elapsed(self) -> float:
        return self.clock() - self.started

    def allows(self, wait: float) -> bool:
        """Whether another attempt after ``wait`` seconds fits in the budget."""
        return self.attempts < self.policy.max_attempts and self.elapsed() + wait <= self.policy.max_seconds

    def describe(self) -> str:
        return (
            f"gave up after {self.attempts} failed attempt(s) in {self.elapsed():.1f} s"
            + (f", {self.throttles} throttled answer(s) waited out" if self.throttles else "")
            + " (budget "
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


def honoured(error: BaseException) -> bool:
    """A retryable answer that says how long to wait (a 429, a 503 with ``Retry-After``): a wait, not a failure."""
    return bool(getattr(error, "retryable", False)) and getattr(error, "retry_after", None) is not None


def backoff(policy: RetryPolicy, failures: int) -> float:
    """Exponential backoff with jitter before retry number ``failures`` (no ``Retry-After`` given)."""
    step = policy.backoff_initial * 2 ** max(0, failures - 1) + random.uniform(0, policy.backoff_initial)
    return float(min(step, policy.backoff_max))


def retrying(
    budget: Budget,
    *,
    final: Callable[[CcAnalyticsError], bool],
    sleep: Callable[[float], None],
    before_sleep: Callable[[CcAnalyticsError, float], None],
    count: bool = True,
) -> tenacity.Retrying:
    """A tenacity loop that spends ``budget``.

    :param final: errors raised at once even though retryable (a create whose answer was lost).
    :param sleep: how to wait.
    :param before_sleep: told of each retry and its wait (logging, counters).
    :param count: count failures into the budget (False when the request inside already counted them).
    """

    def retry(state: tenacity.RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        if not isinstance(error, CcAnalyticsError) or getattr(error, "budget_exhausted", False):
            return False  # not ours, or a nested request (the token) already spent this request's budget
        if count:
            budget.causes.append(cause(error))
            if honoured(error) and error.retryable:
                budget.throttles += 1
            else:
                budget.attempts += 1
        return error.retryable and not final(error)

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None)
        return float(retry_after) if retry_after is not None else backoff(budget.policy, budget.attempts)

    def stop(state: tenacity.RetryCallState) -> bool:
        error: Any = state.outcome.exception() if state.outcome else None
        if budget.allows(state.upcoming_sleep):
            return False
        if count and honoured(error):  # a wait that does not fit is where the budget ended: a failure
            budget.throttles -= 1
            budget.attempts += 1
        error.budget_exhausted = True
        error.args = (f"{error}. {budget.describe()}",)
        return True

    def announce(state: tenacity.RetryCallState) -> None:
        error: Any = state.outcome.exception() if state.outcome else None
        before_sleep(error, state.upcoming_sleep)

    return tenacity.Retrying(retry=retry, wait=wait, stop=stop, sleep=sleep, before_sleep=announce, reraise=True)
