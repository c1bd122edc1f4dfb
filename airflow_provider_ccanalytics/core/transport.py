"""The one request path: a requests.Session, one retry policy (Retry-After aware), 401 -> re-auth once.

Hooks, operators and triggers all send through :class:`HttpTransport`, so retry, pacing,
re-authentication and error translation exist once. Each logical request has one budget
(attempts and seconds); a token request made while sending it (nested) spends the same budget,
so retries never multiply across layers. A response body is read and, when JSON, decoded inside
the attempt: a body cut off mid-read is retried like a dropped connection.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from airflow_provider_ccanalytics import __version__
from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.core.errors import (
    ApiError,
    BadRequestError,
    CcAnalyticsError,
    ConfigurationError,
    ConnectionFailedError,
    NotAuthorizedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TruncatedResponseError,
)
from airflow_provider_ccanalytics.core.ratelimit import RateLimiter
from airflow_provider_ccanalytics.core.redaction import Redactor

log = logging.getLogger("airflow_provider_ccanalytics")

CORRELATION_HEADERS = ("ININ-Correlation-Id", "X-Request-Id", "X-Correlation-Id")
RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})
#: 5xx after which a request that creates something may have taken effect (503: it was not processed)
AMBIGUOUS_SERVER_STATUSES = frozenset({500, 502, 504})
#: a body cut off or reset mid-read (requests wraps urllib3's IncompleteRead/ProtocolError in the first)
BODY_ERRORS = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.IncompleteRead,
)

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
    :param max_seconds: the most seconds one request may take, retries and nested token requests included.
    """

    max_attempts: int = 8
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0
    max_seconds: float = 300.0


@dataclass
class TransportStats:
    """Counters a run reports in its log and manifest."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    reauthentications: int = 0
    possible_orphan_jobs: int = 0
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


_DECODED = "_ccanalytics_json"


def decoded_json(response: requests.Response) -> Any:
    """The response's JSON value (decoded once; the transport decodes JSON successes inside the attempt).

    :raises ValueError: when the body is not JSON.
    """
    if not hasattr(response, _DECODED):
        setattr(response, _DECODED, jsoncodec.loads(response.content))
    return getattr(response, _DECODED)


def json_body(response: requests.Response) -> dict[str, Any]:
    """The response's JSON object, or {} when it has none."""
    try:
        body = decoded_json(response)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def checked_base_url(value: Any, field: str) -> str:
    """A base URL (``https://host[:port][/path]``) without a trailing slash, or a ConfigurationError naming ``field``.

    Checked before any request: a value requests cannot send (no scheme, ``ftp://``, no host) fails here
    with the fix, not as ``LocationParseError`` or ``InvalidSchema`` from deep in a request.
    """
    text = str(value).strip()
    example = "e.g. 'https://api.mypurecloud.ie'"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise ConfigurationError(field, f"{text!r} is not a URL ({error}); {example}") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigurationError(
            field, f"{text!r} must start with https:// (or http:// for a local test server); {example}"
        )
    if not parts.hostname or " " in text or (port is not None and not 0 < port < 65536):
        raise ConfigurationError(field, f"{text!r} has no valid host; {example}")
    if parts.query or parts.fragment:
        raise ConfigurationError(field, f"{text!r} must be a base URL without '?' or '#'; {example}")
    return text.rstrip("/")


def is_json(response: requests.Response) -> bool:
    """Whether the response says its body is JSON."""
    return "json" in (response.headers.get("Content-Type") or "").lower()


def ambiguous(error: BaseException) -> bool:
    """Whether a failed request may still have taken effect on the server (it was sent, the answer was lost)."""
    if isinstance(error, (ConnectionFailedError, TruncatedResponseError)):
        return bool(getattr(error, "sent", True))
    return isinstance(error, ServerError) and error.status in AMBIGUOUS_SERVER_STATUSES


class _Budget:
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


_current = threading.local()


def _cause(error: BaseException) -> str:
    """A short line for the list of last causes: status, vendor code, correlation id; else the message."""
    status = getattr(error, "status", None)
    if status is not None:
        code = getattr(error, "code", None) or getattr(error, "error", None)
        ident = getattr(error, "correlation_id", None)
        return f"HTTP {status}" + (f" {code}" if code else "") + (f" [{ident}]" if ident else "")
    text = str(error)
    return text if len(text) <= 100 else text[:97] + "..."


def _not_sent(error: requests.RequestException) -> bool:
    """Whether a requests error happened before the request left (connect refused, DNS, connect timeout)."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.NameResolutionError))


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

    :param retry: the retry policy (one budget per logical request).
    :param limiter: client-side pacing shared by everything using one connection in this process.
    :param timeout: (connect, read) timeouts in seconds, on every request.
    :param session: a requests.Session to reuse (one is made otherwise).
    :param sleep: how to wait (tests may speed it up).
    :param clock: monotonic seconds, for the budget's time limit.
    :param redactor: removes secrets from vendor text before it becomes an error or a log line.
    """

    def __init__(
        self,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        timeout: tuple[float, float] = (10.0, 120.0),
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        redactor: Redactor | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.limiter = limiter
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"airflow-provider-ccanalytics/{__version__}"
        self._sleep = sleep
        self._clock = clock
        self.redactor = redactor or Redactor()
        self.stats = TransportStats()

    @contextmanager
    def budget(self) -> Iterator[_Budget]:
        """The budget of the logical request this thread is sending; a new one when there is none.

        Requests sent inside (a token fetched for an API call, the retries of a job creation) spend it.
        """
        active = getattr(_current, "budget", None)
        if active is not None:
            yield active
            return
        _current.budget = _Budget(self.retry, self._clock)
        try:
            yield _current.budget
        finally:
            _current.budget = None

    def request(
        self,
        method: str,
        url: str,
        *,
        authenticator: Authenticator | None = None,
        error_mapper: ErrorMapper = api_error_from_response,
        ok: Iterable[int] = (200, 201, 202, 204),
        paced: bool = True,
        idempotent: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one logical request; retries and re-auth happen inside, within one budget.

        :param method: HTTP method.
        :param url: the full URL.
        :param authenticator: adds the bearer token; None for the token endpoint and pre-signed URLs.
        :param error_mapper: turns an error response into a typed error.
        :param ok: statuses that count as success.
        :param paced: whether the client-side rate limiter applies.
        :param idempotent: False for a request that creates something: a failure after which it may have
            taken effect (see :func:`ambiguous`) is raised at once, for the caller to resolve, never repeated.
        """
        ok_statuses = frozenset(ok)
        retries = 0
        with self.budget() as budget:
            while True:
                try:
                    return self._send(method, url, authenticator, error_mapper, ok_statuses, paced, budget, kwargs)
                except CcAnalyticsError as error:
                    if getattr(error, "budget_exhausted", False):
                        raise  # a nested request (the token) already spent this request's budget
                    budget.attempts += 1  # failed attempts: a nested request's successes cost nothing
                    budget.causes.append(_cause(error))
                    if not error.retryable or (not idempotent and ambiguous(error)):
                        raise
                    retries += 1
                    self.wait_or_give_up(error, budget, retries)

    def wait_or_give_up(self, error: CcAnalyticsError, budget: _Budget, retries: int) -> None:
        """Sleep before retry number ``retries`` of a failed request, or re-raise ``error`` (saying what was
        tried) when the budget has no room for it."""
        wait = self._wait(error, retries)
        if not budget.allows(wait):
            error.budget_exhausted = True  # type: ignore[attr-defined]
            error.args = (f"{error}. {budget.describe()}",)
            raise error
        self._before_sleep(error, budget, wait)
        self._sleep(wait)

    def _send(
        self,
        method: str,
        url: str,
        authenticator: Authenticator | None,
        error_mapper: ErrorMapper,
        ok: frozenset[int],
        paced: bool,
        budget: _Budget,
        kwargs: dict[str, Any],
    ) -> requests.Response:
        reauthenticated = False
        where = f"{method} {urlsplit(url).path}"
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
            try:  # without stream=True the body is read here, inside the attempt
                response = self.session.request(method, url, **call)
            except BODY_ERRORS as exc:
                failure = ConnectionFailedError(
                    f"{where}: the response body was cut off ({type(exc).__name__}) by {urlsplit(url).netloc}"
                )
                raise failure from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                failure = ConnectionFailedError(f"{where}: {type(exc).__name__} talking to {urlsplit(url).netloc}")
                failure.sent = not _not_sent(exc)
                raise failure from None
            if response.status_code in ok:
                if not call.get("stream"):
                    self._check_json(response, method, url)
                return response
            if response.status_code == 401 and authenticator is not None and authorization and not reauthenticated:
                response.close()
                reauthenticated = True
                self.stats.add(reauthentications=1)
                log.info("401 from %s: renewing the token once", where)
                authenticator.reauthenticate(authorization)
                continue
            try:
                raise self.redactor.scrub(error_mapper(response, method))
            finally:
                response.close()

    def _check_json(self, response: requests.Response, method: str, url: str) -> None:
        """Decode a JSON success now: a body that says JSON but does not parse was cut off (retried)."""
        if not response.content or not is_json(response):
            return
        try:
            decoded_json(response)
        except ValueError:
            raise TruncatedResponseError(
                response.status_code,
                f"the JSON body ended after {len(response.content)} bytes (cut off on the way)",
                correlation_id=correlation_id(response),
                method=method,
                path=urlsplit(url).path,
            ) from None

    def _wait(self, error: BaseException, retries: int) -> float:
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return min(float(retry_after), self.retry.max_retry_after)
        backoff = self.retry.backoff_initial * 2 ** (retries - 1) + random.uniform(0, self.retry.backoff_initial)
        return float(min(backoff, self.retry.backoff_max))

    def _before_sleep(self, error: BaseException, budget: _Budget, wait: float) -> None:
        self.stats.note_retry(error)
        log.warning(
            "Attempt %d of %d failed (%s); retrying in %.1f s",
            budget.attempts,
            self.retry.max_attempts,
            error,
            wait,
        )
