"""The one request path: a requests.Session, one retry policy (Retry-After aware), 401 -> re-auth once.

Hooks, operators and triggers all send through :class:`HttpTransport`, so retry, pacing,
re-authentication and error translation exist once. Each logical request has one budget
(attempts and seconds); a token request made while sending it (nested) spends the same budget,
so retries never multiply across layers. A response body is read and, when JSON, decoded inside
the attempt: a body cut off mid-read is retried like a dropped connection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from airflow_provider_ccanalytics.core.errors import (
    CcAnalyticsError,
    ConnectionFailedError,
)
from airflow_provider_ccanalytics.core.http.hosts import HostPolicy
from airflow_provider_ccanalytics.core.http.ratelimit import Limiter
from airflow_provider_ccanalytics.core.http.reading import (
    MAX_BODY_BYTES,
    REDIRECT_STATUSES,
    check_json,
    read_bounded,
    redirected,
)
from airflow_provider_ccanalytics.core.http.redaction import Redactor
from airflow_provider_ccanalytics.core.http.responses import (
    RETRYABLE_SERVER_STATUSES,
    api_error_from_response,
    bounded_wait,
    checked_base_url,
    correlation_id,
    decoded_json,
    json_body,
    parse_retry_after,
)
from airflow_provider_ccanalytics.core.http.retry import (
    BODY_ERRORS,
    Budget,
    RetryPolicy,
    ambiguous,
    current,
    honoured,
    not_sent,
    retrying,
)
from airflow_provider_ccanalytics.core.http.stats import TransportStats
from airflow_provider_ccanalytics.core.version import __version__

__all__ = [  # what vendor modules import from the one request path
    "BODY_ERRORS",
    "RETRYABLE_SERVER_STATUSES",
    "Authenticator",
    "ErrorMapper",
    "HttpTransport",
    "RetryPolicy",
    "TransportStats",
    "ambiguous",
    "api_error_from_response",
    "checked_base_url",
    "correlation_id",
    "decoded_json",
    "json_body",
    "parse_retry_after",
]

log = logging.getLogger("airflow_provider_ccanalytics")


ErrorMapper = Callable[[requests.Response, str], CcAnalyticsError]


class Authenticator(Protocol):
    """Supplies the Authorization header and renews it when the API refuses it."""

    def authorization(self) -> str:
        """The current ``Authorization`` header value."""
        ...

    def reauthenticate(self, rejected: str) -> None:
        """Drop ``rejected`` (an Authorization value the API answered 401 to) so the next call renews."""
        ...


class HttpTransport:
    """Sends requests with pacing, retries, re-authentication and typed errors.

    :param retry: the retry policy (one budget per logical request).
    :param limiter: client-side pacing shared by everything using one connection (told of each 429).
    :param timeout: (connect, read) timeouts in seconds, on every request.
    :param session: a requests.Session to reuse (one is made otherwise).
    :param sleep: how to wait (tests may speed it up).
    :param clock: monotonic seconds, for the budget's time limit.
    :param redactor: removes secrets from vendor text before it becomes an error or a log line.
    :param hosts: the hosts requests may go to (None: any host; redirects are never followed across hosts).
    :param max_body_bytes: the largest answer read into memory (streamed downloads are not held, so not bounded);
        a larger one is refused with :class:`HostileResponseError` after that many bytes, never read whole.
    """

    def __init__(
        self,
        *,
        retry: RetryPolicy | None = None,
        limiter: Limiter | None = None,
        timeout: tuple[float, float] = (10.0, 120.0),
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        redactor: Redactor | None = None,
        hosts: HostPolicy | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.limiter = limiter
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"airflow-provider-ccanalytics/{__version__}"
        self._sleep = sleep
        self._clock = clock
        self.redactor = redactor or Redactor()
        self.hosts = hosts
        self.max_body_bytes = max_body_bytes
        self.stats = TransportStats()

    @contextmanager
    def budget(self) -> Iterator[Budget]:
        """The budget of the logical request this thread is sending; a new one when there is none.

        Requests sent inside (a token fetched for an API call, the retries of a job creation) spend it.
        """
        active = getattr(current, "budget", None)
        if active is not None:
            yield active
            return
        current.budget = Budget(self.retry, self._clock)
        try:
            yield current.budget
        finally:
            current.budget = None

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
        self.check_host(method, url, credentials=self._credentials(authenticator, kwargs))
        with self.budget() as budget:
            loop = self.retrying(budget, final=lambda error: not idempotent and ambiguous(error))
            return loop(self._send, method, url, authenticator, error_mapper, ok_statuses, paced, budget, kwargs)

    def retrying(
        self,
        budget: Budget,
        *,
        final: Callable[[CcAnalyticsError], bool] = lambda error: False,
        count: bool = True,
        on_retry: Callable[[CcAnalyticsError], None] | None = None,
    ) -> Any:
        """The tenacity loop of this transport over ``budget`` (see :func:`~.retry.retrying`).

        :param final: retryable errors raised at once instead (a create whose answer was lost).
        :param count: count failures into the budget (False: the request inside counted them already).
        :param on_retry: told of each error before its retry (besides the log line and the counters).
        """

        def before_sleep(error: CcAnalyticsError, wait: float) -> None:
            if on_retry is not None:
                on_retry(error)
            self.stats.note_retry(error)
            if honoured(error):
                log.warning("Throttled (%s); waiting %.1f s as the vendor asked, then sending again", error, wait)
                return
            log.warning(
                "Attempt %d of %d failed (%s); retrying in %.1f s",
                budget.attempts,
                self.retry.max_attempts,
                error,
                wait,
            )

        return retrying(budget, final=final, sleep=self._sleep, before_sleep=before_sleep, count=count)

    @staticmethod
    def _credentials(authenticator: Authenticator | None, kwargs: dict[str, Any]) -> bool:
        headers = {str(name).lower() for name in (kwargs.get("headers") or {})}
        return authenticator is not None or kwargs.get("auth") is not None or "authorization" in headers

    def check_host(self, method: str, url: str, *, credentials: bool, what: str = "") -> None:
        """Refuse a URL on a host this connection does not trust (see :class:`HostPolicy`), before sending.

        :raises ForeignHostError: naming the host and the setting that extends the list.
        """
        if self.hosts is not None:
            self.hosts.check(url, credentials=credentials, what=what or f"{method} {urlsplit(url).path[:80]}")

    def _send(
        self,
        method: str,
        url: str,
        authenticator: Authenticator | None,
        error_mapper: ErrorMapper,
        ok: frozenset[int],
        paced: bool,
        budget: Budget,
        kwargs: dict[str, Any],
    ) -> requests.Response:
        reauthenticated = False
        redirects = 0
        where = f"{method} {urlsplit(url).path}"
        while True:
            if paced and self.limiter is not None:
                if authenticator is not None:
                    # a first read may be slow (a new worker loads the stored token): done before the slot, so the
                    # slot is not spent seconds late, bunched with the next ones (429s through a shared bucket)
                    authenticator.authorization()
                # then the slot, then the token as of now: the wait for a slot (8 page workers queued at 5
                # requests/s: up to 1.6 s) must not outlast the token's leeway, or the token expires on the way
                self.limiter.acquire()
            headers = dict(kwargs.get("headers") or {})
            authorization = authenticator.authorization() if authenticator else None
            if authorization:
                headers["Authorization"] = authorization
            streamed = bool(kwargs.get("stream"))
            call = {**kwargs, "headers": headers, "allow_redirects": False, "stream": True}
            call.setdefault("timeout", self.timeout)
            self.stats.count_request()  # the one place requests are counted (and a max_requests enforced)
            try:  # unless the caller streams, the body is read here, inside the attempt, and bounded
                response = self.session.request(method, url, **call)
                if not streamed:
                    read_bounded(response, method, url, self.max_body_bytes)
            except BODY_ERRORS as exc:
                failure = ConnectionFailedError(
                    f"{where}: the response body was cut off ({type(exc).__name__}) by {urlsplit(url).netloc}"
                )
                raise failure from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                failure = ConnectionFailedError(f"{where}: {type(exc).__name__} talking to {urlsplit(url).netloc}")
                failure.sent = not not_sent(exc)
                raise failure from None
            if paced and self.limiter is not None:
                throttled = response.status_code == 429
                cap = self.retry.max_retry_after  # one cap, before any limiter sees the vendor's number
                self.limiter.feedback(
                    throttled, parse_retry_after(response.headers.get("Retry-After"), cap) if throttled else None
                )
            if response.status_code in REDIRECT_STATUSES and response.status_code not in ok:
                response.close()
                redirects += 1
                method, url, kwargs = redirected(response, method, url, kwargs, redirects)
                where = f"{method} {urlsplit(url).path}"
                continue
            if response.status_code in ok:
                if not streamed:
                    check_json(response, method, url)
                return response
            if response.status_code == 401 and authenticator is not None and authorization and not reauthenticated:
                response.close()
                reauthenticated = True
                self.stats.add(reauthentications=1)
                log.info("401 from %s: renewing the token once", where)
                authenticator.reauthenticate(authorization)
                continue
            try:
                error = self.redactor.scrub(error_mapper(response, method))
                if getattr(error, "retry_after", None) is not None:  # a vendor mapper's own reading, capped too
                    error.retry_after = bounded_wait(error.retry_after, self.retry.max_retry_after)  # type: ignore[attr-defined]
                raise error
            finally:
                response.close()
