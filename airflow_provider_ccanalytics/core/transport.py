"""The one request path: a requests.Session, one retry policy (Retry-After aware), 401 -> re-auth once.

Hooks, operators and triggers all send through :class:`HttpTransport`, so retry, pacing,
re-authentication and error translation exist once.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from airflow_provider_ccanalytics import __version__
from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.core.errors import (
    ApiError,
    BadRequestError,
    CcAnalyticsError,
    ConnectionFailedError,
    NotAuthorizedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from airflow_provider_ccanalytics.core.ratelimit import RateLimiter

log = logging.getLogger("airflow_provider_ccanalytics")

CORRELATION_HEADERS = ("ININ-Correlation-Id", "X-Request-Id", "X-Correlation-Id")
RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})

ErrorMapper = Callable[[requests.Response, str], CcAnalyticsError]


class Authenticator(Protocol):
    """Supplies the Authorization header and renews it when the API refuses it."""

    def authorization(self) -> str:
        """The current ``Authorization`` header value."""
        ...

    def reauthenticate(self, rejected: str) -> None:
        """Drop ``rejected`` (an Authorization value the API answered 401 to) so the next call renews."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry throttling, 5xx and dropped connections.

    :param max_attempts: attempts in all, the first included.
    :param backoff_initial: first backoff in seconds when no Retry-After is given.
    :param backoff_max: the longest single backoff.
    :param max_retry_after: the longest Retry-After honoured; longer ones are capped.
    """

    max_attempts: int = 8
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0


@dataclass
class TransportStats:
    """Counters a run reports in its log and manifest."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    reauthentications: int = 0
    retried_failures: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def note_retry(self, error: BaseException) -> None:
        with self._lock:
            self.retries += 1
            if isinstance(error, RateLimitedError):
                self.throttled += 1
            if len(self.retried_failures) < 100:
                ident = getattr(error, "correlation_id", None) or type(error).__name__
                status = getattr(error, "status", "")
                self.retried_failures.append(f"{status} {ident}".strip())

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "throttled": self.throttled,
                "reauthentications": self.reauthentications,
                "retried_failures": list(self.retried_failures),
            }


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def correlation_id(response: requests.Response) -> str | None:
    """The vendor's request id from the response headers."""
    for name in CORRELATION_HEADERS:
        if response.headers.get(name):
            return response.headers[name]
    return None


def json_body(response: requests.Response) -> dict[str, Any]:
    """The response's JSON object, or {} when it has none."""
    try:
        body = jsoncodec.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def api_error_from_response(response: requests.Response, method: str) -> CcAnalyticsError:
    """Translate an API error response into a typed error (vendors refine this)."""
    body = json_body(response)
    message = str(body.get("message") or body.get("error_description") or body.get("error") or "")
    if not message:
        message = response.reason or "error"
    kwargs: dict[str, Any] = {
        "code": body.get("code") if isinstance(body.get("code"), str) else None,
        "correlation_id": correlation_id(response) or body.get("contextId"),
        "method": method,
        "path": urlsplit(response.url).path if response.url else "",
        "retry_after": parse_retry_after(response.headers.get("Retry-After")),
    }
    status = response.status_code
    error_class: type[ApiError] = {
        400: BadRequestError,
        401: NotAuthorizedError,
        403: PermissionDeniedError,
        404: NotFoundError,
        429: RateLimitedError,
    }.get(status, ServerError if status in RETRYABLE_SERVER_STATUSES else ApiError)
    return error_class(status, message, **kwargs)


class HttpTransport:
    """Sends requests with pacing, retries, re-authentication and typed errors.

    :param retry: the retry policy.
    :param limiter: client-side pacing shared by everything using one connection in this process.
    :param timeout: (connect, read) timeouts in seconds.
    :param session: a requests.Session to reuse (one is made otherwise).
    :param sleep: how to wait (tests may speed it up).
    """

    def __init__(
        self,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        timeout: tuple[float, float] = (10.0, 120.0),
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.limiter = limiter
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"airflow-provider-ccanalytics/{__version__}"
        self._sleep = sleep
        self.stats = TransportStats()

    def request(
        self,
        method: str,
        url: str,
        *,
        authenticator: Authenticator | None = None,
        error_mapper: ErrorMapper = api_error_from_response,
        ok: Iterable[int] = (200, 201, 202, 204),
        paced: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one logical request; retries and re-auth happen inside.

        :param method: HTTP method.
        :param url: the full URL.
        :param authenticator: adds the bearer token; None for the token endpoint and pre-signed URLs.
        :param error_mapper: turns an error response into a typed error.
        :param ok: statuses that count as success.
        :param paced: whether the client-side rate limiter applies.
        """
        ok_statuses = frozenset(ok)
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: getattr(exc, "retryable", False)),
            sleep=self._sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                return self._send(method, url, authenticator, error_mapper, ok_statuses, paced, kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self,
        method: str,
        url: str,
        authenticator: Authenticator | None,
        error_mapper: ErrorMapper,
        ok: frozenset[int],
        paced: bool,
        kwargs: dict[str, Any],
    ) -> requests.Response:
        reauthenticated = False
        while True:
            if paced and self.limiter is not None:
                self.limiter.acquire()
            headers = dict(kwargs.get("headers") or {})
            authorization = authenticator.authorization() if authenticator else None
            if authorization:
                headers["Authorization"] = authorization
            call = {**kwargs, "headers": headers}
            call.setdefault("timeout", self.timeout)
            self.stats.add(requests=1)
            try:
                response = self.session.request(method, url, **call)
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise ConnectionFailedError(
                    f"{method} {urlsplit(url).path}: {type(exc).__name__} talking to {urlsplit(url).netloc}"
                ) from None
            if response.status_code in ok:
                return response
            if response.status_code == 401 and authenticator is not None and authorization and not reauthenticated:
                response.close()
                reauthenticated = True
                self.stats.add(reauthentications=1)
                log.info("401 from %s %s: renewing the token once", method, urlsplit(url).path)
                authenticator.reauthenticate(authorization)
                continue
            try:
                raise error_mapper(response, method)
            finally:
                response.close()

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return min(float(retry_after), self.retry.max_retry_after)
        backoff = wait_exponential_jitter(initial=self.retry.backoff_initial, max=self.retry.backoff_max)
        return float(backoff(state))

    def _before_sleep(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if error is None:
            return
        self.stats.note_retry(error)
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "Attempt %d of %d failed (%s); retrying in %.1f s",
            state.attempt_number,
            self.retry.max_attempts,
            error,
            wait,
        )
