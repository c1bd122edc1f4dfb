"""The API client both vendors build on: the shared transport plus paging."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from airflow_provider_ccanalytics.core.errors import CcAnalyticsError, ConfigurationError, UnexpectedResponseError
from airflow_provider_ccanalytics.core.http.paging import PageRequest, Paginator, RepeatedPageGuard
from airflow_provider_ccanalytics.core.http.transport import (
    Authenticator,
    ErrorMapper,
    HttpTransport,
    ambiguous,
    api_error_from_response,
    correlation_id,
    decoded_json,
)

log = logging.getLogger("airflow_provider_ccanalytics")


class ApiClient:
    """Authenticated calls to one vendor API through the shared :class:`HttpTransport`.

    :param transport: the shared request path.
    :param authenticator: supplies bearer tokens.
    :param error_mapper: the vendor's error translation.
    """

    def __init__(
        self,
        transport: HttpTransport,
        authenticator: Authenticator,
        error_mapper: ErrorMapper = api_error_from_response,
    ) -> None:
        self.transport = transport
        self.authenticator = authenticator
        self.error_mapper = error_mapper

    @property
    def api_base(self) -> str:
        raise NotImplementedError

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.api_base.rstrip('/')}{path}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One authenticated request (paced, retried, re-authenticated once on 401)."""
        return self.transport.request(
            method, self.url(path), authenticator=self.authenticator, error_mapper=self.error_mapper, **kwargs
        )

    def call_json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Like :meth:`call`, returning the JSON object ({} for 204).

        :raises UnexpectedResponseError: when a success carries no JSON object (never read as 'no records').
        """
        response = self.call(method, path, **kwargs)
        if response.status_code == 204:
            return {}
        try:
            body = decoded_json(response)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise UnexpectedResponseError(
                response.status_code,
                f"expected a JSON object, got {response.headers.get('Content-Type') or 'no content type'} "
                f"({len(response.content)} bytes); is the API base URL right?",
                correlation_id=correlation_id(response),
                method=method,
                path=urlsplit(response.url or "").path,
            )
        return body

    def create_job(
        self,
        method: str,
        path: str,
        job_id_of: Callable[[requests.Response], str],
        *,
        what: str,
        ambiguous_failures: list[str] | None = None,
        find_created: Callable[[], str] | None = None,
        **kwargs: Any,
    ) -> str:
        """Send a request that creates a remote job; never repeat it blindly.

        A failure after which the job may exist (sent, answer lost: see :func:`ambiguous`) is not retried
        by the transport. Where the vendor lists its jobs (``find_created``: CXone Data Extraction), the job is
        looked up and used. Otherwise (Genesys documents no way to look a job up by its request) the request is
        sent again within the same budget, and the job the lost answer may have started is reported: a
        warning with what is known, ``stats.possible_orphan_jobs`` and the manifest's ``retried_failures``.
        It is never used and expires on its own.

        :param job_id_of: reads the job id from the success response.
        :param what: names the job in logs ("Genesys details job").
        :param ambiguous_failures: collects a line per ambiguous failure (callers that can resolve them read it).
        :param find_created: where the vendor lists jobs (CXone Data Extraction): the id of the job the lost
            answer started, or "" when none is found; a found job is used instead of sending the request again.
        """

        def reported(error: CcAnalyticsError) -> None:
            note = f"{what}: {method} {path} may have started a job whose id was lost ({type(error).__name__})"
            self.transport.stats.add(possible_orphan_jobs=1)
            self.transport.stats.note_failure(f"possible orphan job: {note}")
            if ambiguous_failures is not None:
                ambiguous_failures.append(note)
            log.warning(
                "%s; sending the request again. The earlier job, if it exists, is not used and expires on "
                "its own (cause: %s)",
                note,
                error,
            )

        def create() -> str:
            try:
                return job_id_of(self.call(method, path, idempotent=False, **kwargs))
            except CcAnalyticsError as error:
                found = found_job(error)
                if found:
                    return found
                raise

        def found_job(error: CcAnalyticsError) -> str:
            """The job a lost answer started, from the vendor's job list (CXone), or ""."""
            if find_created is None or not ambiguous(error) or getattr(error, "budget_exhausted", False):
                return ""
            found = find_created()
            if found:
                log.warning(
                    "%s: the answer to %s %s was lost (%s); the job it started, %s, was found in the vendor's job "
                    "list and is used",
                    what,
                    method,
                    path,
                    type(error).__name__,
                    found,
                )
                self.transport.stats.note_failure(f"{what}: lost create answer, job {found} found and used")
            return found

        with self.transport.budget() as budget:  # the request inside counted its failures already: count=False
            loop = self.transport.retrying(
                budget, final=lambda error: not ambiguous(error), count=False, on_retry=reported
            )
            return str(loop(create))

    def pages(
        self, request: PageRequest, paginator: Paginator, records_key: str, *, what: str = "records"
    ) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Yield each page's (body, records) until the paginator says there are no more.

        :param request: the first page's request (changed in place as pages advance).
        :param paginator: the paging style.
        :param records_key: the key of the records list in each body.
        :param what: named in progress logs.
        """
        paginator.start(request)
        page, total, started = 0, 0, time.monotonic()
        guard = RepeatedPageGuard(what)  # a server ignoring the paging parameters fails here instead of looping
        guard.check_next(request)
        while True:
            body = self.call_json(request.method, request.url, params=request.params or None, json=request.json)
            records = body.get(records_key) or []
            guard.check_page(request, records)
            page += 1
            total += len(records)
            if page % 20 == 0:
                elapsed = max(time.monotonic() - started, 1e-9)
                log.info("%s: %d pages, %d %s, %.1f pages/s", what, page, total, records_key, page / elapsed)
            yield body, records
            if not paginator.advance(request, body, records):
                return
            guard.check_next(request)


def mapping_argument(value: Any, field: str) -> dict[str, Any]:
    """``value`` as a dict (None: empty), or a ConfigurationError naming ``field``.

    :param value: an operator argument that must be a JSON object (e.g. ``query``).
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            field,
            f"must be a mapping (a dict of request body fields such as {{'segmentFilters': [...]}}), "
            f"got {type(value).__name__} {str(value)[:60]!r}",
        )
    return dict(value)
