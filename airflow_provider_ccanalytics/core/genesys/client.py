"""The Genesys Cloud client: conversation details (query and jobs), aggregates, the org lookup.

Regions are in :mod:`.regions`, answer shapes (paths, job states, error mapping) in :mod:`.shapes`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from typing import Any

from airflow_provider_ccanalytics.core.auth import ConnectionRuntime
from airflow_provider_ccanalytics.core.errors import (
    ConfigurationError,
    IntervalTooLongError,
    JobFailedError,
    ResultCapExceededError,
    UnexpectedResponseError,
)
from airflow_provider_ccanalytics.core.genesys.aggregates import aggregate_family, aggregate_rows
from airflow_provider_ccanalytics.core.genesys.shapes import (
    DETAILS_JOBS,
    DETAILS_QUERY,
    JOB_FAILURE_STATES,
    JOB_SUCCESS_STATES,
    ORGANIZATION,
    conversation_start,
    genesys_error_mapper,
    job_id_from_answer,
    jobs_path,
)
from airflow_provider_ccanalytics.core.http import (
    ApiClient,
    Authenticator,
    CursorPaginator,
    HttpTransport,
    PageRequest,
    ordered_map,
)
from airflow_provider_ccanalytics.core.partitions import Window, parse_instant

log = logging.getLogger("airflow_provider_ccanalytics")


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

    def query_aggregates(
        self, window: Window, body: dict[str, Any], family: str = "conversations"
    ) -> Iterator[dict[str, Any]]:
        """Raw aggregate ``results`` groups of a family's ``aggregates/query``, one query per sub-window of at most
        ``max_interval``.

        :param body: ``metrics`` (required), ``granularity``, ``groupBy``, ``filter``, ``timeZone``...
        :param family: ``conversations``, ``users``, ``flows``, ``evaluations`` or ``surveys``.
        """
        if not body.get("metrics"):
            raise ConfigurationError("metrics", "aggregates need at least one metric, e.g. ['nConnected', 'tHandle']")
        path = aggregate_family(family).query_path
        for part in window.split(self.settings.max_interval):
            answer = self.call_json("POST", path, json={**body, "interval": part.interval()})
            yield from answer.get("results") or []

    def iter_aggregate_rows(
        self, window: Window, body: dict[str, Any], family: str = "conversations"
    ) -> Iterator[dict[str, Any]]:
        """Aggregates flattened to one row per group x interval x metric x stat (:func:`.aggregates.aggregate_rows`)."""
        return aggregate_rows(self.query_aggregates(window, body, family))
