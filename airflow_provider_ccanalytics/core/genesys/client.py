"""Genesys Cloud endpoints: regions, conversation details (query and jobs), aggregates."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from typing import Any

import requests

from airflow_provider_ccanalytics.core.auth import ConnectionRuntime
from airflow_provider_ccanalytics.core.errors import (
    BadRequestError,
    CcAnalyticsError,
    ConfigurationError,
    IntervalTooLongError,
    JobFailedError,
    ResultCapExceededError,
    UnexpectedResponseError,
)
from airflow_provider_ccanalytics.core.http import (
    ApiClient,
    Authenticator,
    CursorPaginator,
    HttpTransport,
    PageRequest,
    api_error_from_response,
    json_body,
    ordered_map,
)
from airflow_provider_ccanalytics.core.partitions import Window, parse_instant

log = logging.getLogger("airflow_provider_ccanalytics")

#: Region domains (API host ``api.{region}``, login host ``login.{region}``).
GENESYS_REGIONS: dict[str, str] = {
    "mypurecloud.com": "Americas (US East)",
    "use2.us-gov-pure.cloud": "Americas (US East 2, FedRAMP)",
    "usw2.pure.cloud": "Americas (US West)",
    "cac1.pure.cloud": "Americas (Canada)",
    "sae1.pure.cloud": "Americas (Sao Paulo)",
    "mxc1.pure.cloud": "Americas (Mexico)",
    "mypurecloud.ie": "EMEA (Dublin)",
    "euw2.pure.cloud": "EMEA (London)",
    "mypurecloud.de": "EMEA (Frankfurt)",
    "euc2.pure.cloud": "EMEA (Zurich)",
    "mec1.pure.cloud": "EMEA (UAE)",
    "edee1.eusc-pure.cloud": "EMEA (EU sovereign cloud)",
    "aps1.pure.cloud": "Asia Pacific (Mumbai)",
    "apne2.pure.cloud": "Asia Pacific (Seoul)",
    "mypurecloud.com.au": "Asia Pacific (Sydney)",
    "mypurecloud.jp": "Asia Pacific (Tokyo)",
    "apne3.pure.cloud": "Asia Pacific (Osaka)",
    "apse1.pure.cloud": "Asia Pacific (Singapore)",
}
DEFAULT_REGION = "mypurecloud.com"

DETAILS_QUERY = "/api/v2/analytics/conversations/details/query"
DETAILS_JOBS = "/api/v2/analytics/conversations/details/jobs"
#: the details-job families: each has its jobs at ``/api/v2/analytics/{family}/details/jobs`` and its own watermark
JOB_FAMILIES = ("conversations", "users")


def jobs_path(family: str = "conversations") -> str:
    """The details jobs path of a family (``conversations`` or ``users``)."""
    if family not in JOB_FAMILIES:
        raise ConfigurationError("family", f"{family!r} is not one of {JOB_FAMILIES}")
    return f"/api/v2/analytics/{family}/details/jobs"


AGGREGATES_QUERY = "/api/v2/analytics/conversations/aggregates/query"
ORGANIZATION = "/api/v2/organizations/me"

JOB_SUCCESS_STATES = frozenset({"FULFILLED"})
JOB_FAILURE_STATES = frozenset({"FAILED", "CANCELLED", "EXPIRED"})


def genesys_base_urls(region: str | None, login_url: str | None = None, api_url: str | None = None) -> tuple[str, str]:
    """The (login, api) base URLs for a region, or the explicit overrides.

    :param region: a region domain such as ``mypurecloud.ie``.
    :param login_url: full login base URL (private link, sandbox); overrides the region.
    :param api_url: full API base URL; overrides the region.
    """
    region = (region or DEFAULT_REGION).strip().lower()
    for prefix in ("https://", "http://", "api.", "login."):
        region = region.removeprefix(prefix)
    region = region.rstrip("/")
    if (not login_url or not api_url) and region not in GENESYS_REGIONS:
        known = ", ".join(sorted(GENESYS_REGIONS))
        raise ConfigurationError(
            "host",
            f"unknown Genesys Cloud region '{region}'. Use one of: {known}; or set login_url and api_url",
        )
    return (login_url or f"https://login.{region}").rstrip("/"), (api_url or f"https://api.{region}").rstrip("/")


def genesys_error_mapper(response: requests.Response, method: str) -> CcAnalyticsError:
    """Genesys errors, telling apart the two 400s that mean 'split the interval'."""
    error = api_error_from_response(response, method)
    if isinstance(error, BadRequestError):
        text = error.message.lower()
        args = (error.status, error.message)
        kwargs: dict[str, Any] = {
            "code": error.code,
            "correlation_id": error.correlation_id,
            "method": error.method,
            "path": error.path,
        }
        if "pagination may not exceed" in text:
            return ResultCapExceededError(*args, **kwargs)
        if "interval" in text and any(word in text for word in ("exceed", "too long", "maximum", "greater than")):
            return IntervalTooLongError(*args, **kwargs)
    return error


@dataclass
class GenesysSettings:
    """Limits of the analytics API that are settings, not constants.

    :param max_interval: the longest interval one synchronous details query may cover.
    :param result_cap: the most results one details query may page through.
    :param page_size: details query page size (at most 100).
    :param job_page_size: details job results page size.
    :param page_workers: details query pages fetched concurrently (within the connection's limiter).
    """

    max_interval: timedelta = timedelta(days=7)
    result_cap: int = 100_000
    page_size: int = 100
    job_page_size: int = 1000
    page_workers: int = 8


def details_windows(
    window: Window, split: timedelta | None = None, max_interval: timedelta = GenesysSettings.max_interval
) -> list[Window]:
    """The sub-windows a details extraction runs as: at most ``max_interval`` each (or ``split``, when given).

    Without ``split`` a window is one query while its ``totalHits`` fit under the result cap, so only its last
    page is short; :meth:`GenesysClient.iter_details_in` splits it further only when they do not.
    """
    return window.split(min(split or max_interval, max_interval))


class _SplitNeeded(Exception):
    pass


def job_id_from_answer(response: requests.Response) -> str:
    """The ``jobId`` of a job-creation answer (``{"jobId": ...}``)."""
    body = json_body(response)
    if not body.get("jobId"):
        raise UnexpectedResponseError(
            response.status_code, "the job was accepted but no jobId came back", method="POST", path=DETAILS_JOBS
        )
    return str(body["jobId"])


def conversation_start(record: dict[str, Any]) -> datetime:
    return parse_instant(record["conversationStart"], "conversationStart")


class GenesysClient(ApiClient):
    """Genesys Cloud analytics calls, streaming records in constant memory.

    :param transport: the shared request path.
    :param authenticator: the connection's token manager.
    :param api_url: the API base URL (``https://api.mypurecloud.ie``).
    :param settings: vendor limits.
    :param runtime: the connection's runtime, which caches the org id (None: this client only).
    """

    def __init__(
        self,
        transport: HttpTransport,
        authenticator: Authenticator,
        api_url: str,
        settings: GenesysSettings | None = None,
        runtime: ConnectionRuntime | None = None,
    ) -> None:
        super().__init__(transport, authenticator, genesys_error_mapper)
        self._api_url = api_url.rstrip("/")
        self.settings = settings or GenesysSettings()
        self.runtime = runtime or ConnectionRuntime("")

    @property
    def api_base(self) -> str:
        return self._api_url

    @property
    def organization_id(self) -> str:
        """The id of the org this connection's token belongs to (``GET /api/v2/organizations/me``; read once)."""

        def load() -> str:
            body = self.call_json("GET", ORGANIZATION)
            if not body.get("id"):
                raise UnexpectedResponseError(200, "the organization has no 'id'", method="GET", path=ORGANIZATION)
            return str(body["id"])

        return self.runtime.discovered("organization_id", load)

    # -- conversation details, synchronous ---------------------------------------------------

    def details_windows(self, window: Window, split: timedelta | None = None) -> list[Window]:
        """The sub-windows a details extraction runs as (:func:`details_windows` with this connection's cap)."""
        return details_windows(window, split, self.settings.max_interval)

    def iter_conversation_details(
        self, window: Window, query: dict[str, Any] | None = None, split: timedelta | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every conversation that started in ``window``, once, in start order.

        Windows longer than the vendor's interval cap are split; a split that would page past
        the result cap is halved again. A conversation overlapping two splits is kept only in
        the one that contains its ``conversationStart``.

        :param window: the window.
        :param query: extra body fields (``segmentFilters``, ``conversationFilters``...).
        :param split: an optional shorter split (e.g. one hour); each sub-window ends with a short page.
        """
        for part in self.details_windows(window, split):
            yield from self.iter_details_in(part, query)

    def iter_details_in(self, window: Window, query: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Conversations that started in one sub-window, splitting further when Genesys demands it."""
        yielded: set[str] = set()
        try:
            for record in self._details_pages(window, query):
                yielded.add(record["conversationId"])
                yield record
        except (_SplitNeeded, ResultCapExceededError, IntervalTooLongError) as reason:
            halves = window.halves()
            if len(halves) == 1:
                raise
            log.info("Splitting %s in two (%s)", window.interval(), type(reason).__name__)
            for half in halves:
                for record in self.iter_details_in(half, query):
                    if record["conversationId"] not in yielded:
                        yield record

    def _details_pages(self, window: Window, query: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
        """The window's conversations, page by page: page 1 says ``totalHits``, then the other pages are fetched
        ``page_workers`` at a time (each paced by the limiter) and yielded in order."""
        body = {**(query or {}), "interval": window.interval(), "order": "asc", "orderBy": "conversationStart"}
        size = self.settings.page_size

        def page(number: int) -> list[dict[str, Any]]:
            answer = self.call_json(
                "POST", DETAILS_QUERY, json={**body, "paging": {"pageSize": size, "pageNumber": number}}
            )
            return list(answer.get("conversations") or [])

        first = self.call_json("POST", DETAILS_QUERY, json={**body, "paging": {"pageSize": size, "pageNumber": 1}})
        hits = int(first.get("totalHits") or 0)
        if hits > self.settings.result_cap:
            raise _SplitNeeded
        records = list(first.get("conversations") or [])
        if hits and not records:
            raise UnexpectedResponseError(
                200, f"totalHits is {hits} but the page has no 'conversations'", path=DETAILS_QUERY
            )
        numbers = range(2, -(-hits // size) + 1) if len(records) >= size else range(0)
        log.info("details %s: %d conversations in %d pages", window.label(), hits, len(numbers) + 1)
        for batch in chain([records], ordered_map(page, numbers, self.settings.page_workers)):  # lazily: pages stream
            for record in batch:
                if window.contains(conversation_start(record)):
                    yield record

    # -- conversation details, asynchronous jobs ------------------------------------------------

    def submit_details_job(self, window: Window, query: dict[str, Any] | None = None) -> str:
        """Start a details job for ``window``; returns its job id.

        Never sent twice blindly: Genesys documents no way to list details jobs, so after an answer lost on
        the way the request is sent again and the job the lost answer may have started is reported (see
        :meth:`ApiClient.create_job`); it expires on its own.
        """
        body = {
            **(query or {}),
            "interval": window.interval(),
            "order": "asc",
            "orderBy": "conversationStart",
        }
        job_id = self.create_job("POST", DETAILS_JOBS, job_id_from_answer, what="Genesys details job", json=body)
        log.info("Submitted Genesys details job %s for %s", job_id, window.interval())
        return job_id

    def details_job_status(self, job_id: str, family: str = "conversations") -> dict[str, Any]:
        """The job's status body: ``state``, ``errorMessage``, ``expirationDate``."""
        return self.call_json("GET", f"{jobs_path(family)}/{job_id}")

    def iter_details_job_results(
        self,
        job_id: str,
        window: Window,
        query: dict[str, Any] | None = None,
        poll_interval: float = 15.0,
        timeout: float | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The job's conversations that started in ``window`` (cursor paging), once each.

        Genesys refuses to page a job past its result cap (a 400 "Pagination may not exceed 400000
        results", reported by practitioners, not documented). Then the window is halved: a job per half
        is submitted, waited for (in this process) and paged, recursively. Each half keeps only the
        conversations that started in it, and conversations already yielded are skipped by id, so none
        is yielded twice and none is lost.

        :param query: the original job's filters, for the jobs of the halves.
        :param poll_interval: seconds between status checks of those jobs.
        :param timeout: seconds to wait for each of them (None: no limit).
        """
        yielded: set[str] = set()
        yield from self._job_results(job_id, window, query, poll_interval, timeout, yielded)

    def _job_results(
        self,
        job_id: str,
        window: Window,
        query: dict[str, Any] | None,
        poll_interval: float,
        timeout: float | None,
        yielded: set[str],
    ) -> Iterator[dict[str, Any]]:
        request = PageRequest("GET", f"{DETAILS_JOBS}/{job_id}/results")
        paginator = CursorPaginator(self.settings.job_page_size)
        try:
            for _body, records in self.pages(request, paginator, "conversations", what=f"job {job_id}"):
                for record in records:
                    key = record["conversationId"]
                    if key not in yielded and window.contains(conversation_start(record)):
                        yielded.add(key)
                        yield record
        except ResultCapExceededError as refused:
            halves = window.halves()
            if len(halves) == 1:
                raise
            log.info(
                "Job %s cannot be paged further (%s); %d conversations read; splitting %s into two jobs",
                job_id,
                refused.message,
                len(yielded),
                window.interval(),
            )
            for half in halves:
                half_job = self.submit_details_job(half, query)
                try:
                    self.wait_for_details_job(half_job, poll_interval, timeout)
                    yield from self._job_results(half_job, half, query, poll_interval, timeout, yielded)
                except BaseException:
                    with contextlib.suppress(Exception):
                        self.cancel_details_job(half_job)
                    raise

    def wait_for_details_job(self, job_id: str, poll_interval: float = 15.0, timeout: float | None = None) -> None:
        """Poll a details job until it is FULFILLED; raises JobFailedError when it fails or times out."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            body = self.details_job_status(job_id)
            state = str(body.get("state") or "UNKNOWN").upper()
            if state in JOB_SUCCESS_STATES:
                return
            if state in JOB_FAILURE_STATES:
                raise JobFailedError(job_id, state, str(body.get("errorMessage") or ""))
            if deadline is not None and time.monotonic() > deadline:
                raise JobFailedError(job_id, state, f"timed out after {timeout:.0f} s")
            log.info("Job %s is %s; next check in %.0f s", job_id, state, poll_interval)
            time.sleep(poll_interval)

    def cancel_details_job(self, job_id: str, family: str = "conversations") -> None:
        """Cancel (delete) a job; a job that is already gone is fine."""
        self.call("DELETE", f"{jobs_path(family)}/{job_id}", ok=(200, 202, 204, 404))
        log.info("Cancelled Genesys %s details job %s", family, job_id)

    def data_availability(self, family: str = "conversations") -> datetime:
        """The instant up to which a family's details jobs see complete data (its ``dataAvailabilityDate``)."""
        body = self.call_json("GET", f"{jobs_path(family)}/availability")
        return parse_instant(body["dataAvailabilityDate"], "dataAvailabilityDate")

    # -- aggregates -----------------------------------------------------------------------------

    def query_aggregates(self, window: Window, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Raw aggregate ``results`` groups, one query per sub-window of at most ``max_interval``.

        :param body: ``metrics`` (required), ``granularity``, ``groupBy``, ``filter``, ``timeZone``...
        """
        if not body.get("metrics"):
            raise ConfigurationError("metrics", "aggregates need at least one metric, e.g. ['nConnected', 'tHandle']")
        for part in window.split(self.settings.max_interval):
            answer = self.call_json("POST", AGGREGATES_QUERY, json={**body, "interval": part.interval()})
            yield from answer.get("results") or []

    def iter_aggregate_rows(self, window: Window, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Aggregates flattened to one row per group x interval x metric x stat."""
        for result in self.query_aggregates(window, body):
            group = result.get("group") or {}
            for bucket in result.get("data") or []:
                for metric in bucket.get("metrics") or []:
                    for stat, value in sorted((metric.get("stats") or {}).items()):
                        yield {
                            **group,
                            "interval": bucket.get("interval"),
                            "metric": metric.get("metric"),
                            "stat": stat,
                            "value": value,
                        }
