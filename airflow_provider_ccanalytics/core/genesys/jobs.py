"""Genesys Cloud's remote-job families (:class:`...datasets.jobs.JobType`): conversation and users details jobs, and
the aggregates jobs of every aggregates family (one class, one object per family).

Shapes follow the official Genesys SDK (``AsyncConversationQuery``, ``AsyncQueryStatus``,
``AnalyticsConversationAsyncQueryResponse``, ``AsyncUserDetailsQuery``, ``AnalyticsUserDetailsAsyncQueryResponse``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from airflow_provider_ccanalytics.core.datasets import JobStatus, JobType
from airflow_provider_ccanalytics.core.errors import UnexpectedResponseError
from airflow_provider_ccanalytics.core.genesys.aggregates import AGGREGATE_FAMILIES, aggregate_family, aggregate_rows
from airflow_provider_ccanalytics.core.genesys.shapes import (
    JOB_FAILURE_STATES,
    JOB_SUCCESS_STATES,
    job_id_from_answer,
    jobs_path,
)
from airflow_provider_ccanalytics.core.http import CursorPaginator, PageRequest
from airflow_provider_ccanalytics.core.partitions import Window

log = logging.getLogger("airflow_provider_ccanalytics")


class GenesysDetailsJobs(JobType):
    """``/api/v2/analytics/{family}/details/jobs``: QUEUED, PENDING, then FULFILLED (or FAILED, CANCELLED,
    EXPIRED); results paged by ``cursor``; each family has its own ``availability`` watermark.

    :param family: ``conversations`` or ``users``.
    :param records_key: the results' records list (``conversations``, ``userDetails``).
    """

    vendor = "genesys"

    def __init__(self, name: str, family: str, records_key: str) -> None:
        self.name, self.family, self.records_key = name, family, records_key

    def status(self, client: Any, job_id: str) -> JobStatus:
        body = client.details_job_status(job_id, self.family)
        state = str(body.get("state") or "UNKNOWN").upper()
        return JobStatus.of(state, JOB_SUCCESS_STATES, JOB_FAILURE_STATES, str(body.get("errorMessage") or ""))

    def cancel(self, client: Any, job_id: str) -> None:
        client.cancel_details_job(job_id, self.family)

    def availability(self, client: Any) -> datetime:
        return client.data_availability(self.family)


class GenesysConversationJobs(GenesysDetailsJobs):
    """Conversation details jobs (results split into smaller jobs past the result cap: see the client)."""

    def submit(self, client: Any, window: Window, **spec: Any) -> str:
        return client.submit_details_job(window, spec.get("query"))

    def results(self, client: Any, job_id: str, window: Window, **spec: Any) -> Iterator[dict[str, Any]]:
        """Conversations that started in ``window``, once; ``spec``: ``query``, ``poll_interval``, ``timeout``."""
        args = (spec.get("query"), spec.get("poll_interval", 15.0), spec.get("timeout"))
        return client.iter_details_job_results(job_id, window, *args)


class GenesysUserJobs(GenesysDetailsJobs):
    """Users details jobs (``AsyncUserDetailsQuery``: ``interval``, filters, ``order``; results
    ``AnalyticsUserDetailsAsyncQueryResponse``: ``userDetails[]``, ``cursor``)."""

    def submit(self, client: Any, window: Window, **spec: Any) -> str:
        body = {**(spec.get("query") or {}), "interval": window.interval(), "order": "asc"}
        job_id = client.create_job(
            "POST", jobs_path(self.family), job_id_from_answer, what="Genesys users details job", json=body
        )
        log.info("Submitted Genesys users details job %s for %s", job_id, window.interval())
        return job_id

    def results(self, client: Any, job_id: str, window: Window, **spec: Any) -> Iterator[dict[str, Any]]:
        """The job's user records as answered (intervals outside ``window`` are the caller's to drop).

        GUESS: no result cap is documented for users jobs (the conversation jobs' 400 past 400,000 results is
        reported by practitioners only); a refusal fails the task with the vendor's message.
        """
        request = PageRequest("GET", f"{jobs_path(self.family)}/{job_id}/results")
        paginator = CursorPaginator(client.settings.job_page_size)
        for body, records in client.pages(request, paginator, self.records_key, what=f"users job {job_id}"):
            if body.get("cursor") and not records:
                raise UnexpectedResponseError(200, f"a page of job {job_id} has a cursor but no '{self.records_key}'")
            yield from records


class GenesysAggregateJobs(JobType):
    """``/api/v2/analytics/{family}/aggregates/jobs`` of one aggregates family (SDK ``...AsyncAggregationQuery``:
    the query body plus ``pageSize``; status ``AsyncQueryStatus``; results ``...AsyncAggregateQueryResponse``:
    ``results[]``, ``cursor``). The states are the details jobs'. Genesys documents no availability watermark for
    aggregates jobs (None). The job's ``results`` are flattened to rows (:func:`.aggregates.aggregate_rows`).

    :param family: the aggregates family (:data:`.aggregates.AGGREGATE_FAMILIES`).
    """

    vendor = "genesys"

    def __init__(self, family: str) -> None:
        self.family = aggregate_family(family)
        self.name = f"genesys.{self.family.dataset}_jobs"

    def submit(self, client: Any, window: Window, **spec: Any) -> str:
        """``spec``: ``body`` (the family's query body, :meth:`AggregateFamily.body`)."""
        body = {**(spec.get("body") or {}), "interval": window.interval(), "pageSize": client.settings.job_page_size}
        what = f"Genesys {self.family.family} aggregates job"
        job_id = client.create_job("POST", self.family.jobs_path, job_id_from_answer, what=what, json=body)
        log.info("Submitted %s %s for %s", what, job_id, window.interval())
        return job_id

    def status(self, client: Any, job_id: str) -> JobStatus:
        body = client.call_json("GET", f"{self.family.jobs_path}/{job_id}")
        state = str(body.get("state") or "UNKNOWN").upper()
        return JobStatus.of(state, JOB_SUCCESS_STATES, JOB_FAILURE_STATES, str(body.get("errorMessage") or ""))

    def cancel(self, client: Any, job_id: str) -> None:
        client.call("DELETE", f"{self.family.jobs_path}/{job_id}", ok=(200, 202, 204, 404))
        log.info("Cancelled Genesys %s aggregates job %s", self.family.family, job_id)

    def results(self, client: Any, job_id: str, window: Window, **spec: Any) -> Iterator[dict[str, Any]]:
        """The job's aggregate rows (one per group x interval x metric x stat), every page by ``cursor``."""
        request = PageRequest("GET", f"{self.family.jobs_path}/{job_id}/results")
        paginator = CursorPaginator(client.settings.job_page_size)
        what = f"{self.family.family} aggregates job {job_id}"
        for _body, results in client.pages(request, paginator, "results", what=what):
            yield from aggregate_rows(results)


GENESYS_CONVERSATION_JOBS = GenesysConversationJobs("genesys.conversation_details", "conversations", "conversations")
GENESYS_USER_JOBS = GenesysUserJobs("genesys.user_details", "users", "userDetails")

#: the aggregates job family of each aggregates family, by family (``conversations``, ``users``...)
GENESYS_AGGREGATE_JOBS = {family: GenesysAggregateJobs(family) for family in AGGREGATE_FAMILIES}

#: the Genesys job families (the registry reads this)
JOB_TYPES: tuple[JobType, ...] = (GENESYS_CONVERSATION_JOBS, GENESYS_USER_JOBS, *GENESYS_AGGREGATE_JOBS.values())
