"""Remote-job families, one :class:`JobType` object each: submit, status (normalised), results, cancel, availability.

Genesys conversation details jobs, Genesys users details jobs, CXone Data Extraction jobs and CXone report jobs
share one lifecycle; the operators, hooks and triggers hold a job type (triggers its registry name, so they stay
serialisable) instead of a kind string. The vendor calls stay in the vendor clients; a job type says which ones
a family uses and what its states mean.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError, JobFailedError, UnexpectedResponseError
from airflow_provider_ccanalytics.core.windows import Window

log = logging.getLogger("airflow_provider_ccanalytics")


@dataclass(frozen=True)
class JobStatus:
    """A remote job's state in vendor-neutral terms.

    :param state: the vendor's state string (normalised: Genesys upper case, CXone per :func:`normal_state`).
    :param done: whether the job reached a final state.
    :param succeeded: whether that final state is success.
    :param message: the vendor's error message, if any.
    """

    state: str
    done: bool
    succeeded: bool
    message: str = ""

    @classmethod
    def of(cls, state: str, success: frozenset[str], failure: frozenset[str], message: str = "") -> JobStatus:
        """The status of a job in ``state``, given the vendor's final success and failure states."""
        return cls(state, state in success or state in failure, state in success, message)


class JobType:
    """One remote-job family. ``client`` is the vendor's client (:class:`GenesysClient`, :class:`CxoneClient`).

    :cvar name: the registry name (``vendor.family``), what triggers serialise.
    :cvar vendor: ``genesys`` or ``cxone``.
    """

    name = ""
    vendor = ""

    def submit(self, client: Any, window: Window, **spec: Any) -> str:
        """Start a job for ``window``; returns its id. ``spec``: the family's arguments (filters, entity...)."""
        raise NotImplementedError

    def status(self, client: Any, job_id: str) -> JobStatus:
        raise NotImplementedError

    def results(self, client: Any, job_id: str, window: Window, **spec: Any) -> Iterator[dict[str, Any]]:
        """The finished job's records."""
        raise NotImplementedError

    def cancel(self, client: Any, job_id: str) -> None:
        raise NotImplementedError

    def availability(self, client: Any) -> datetime | None:
        """The instant up to which this family's jobs see complete data (None: the vendor publishes none)."""
        return None

    def wait(self, client: Any, job_id: str, poll_interval: float = 15.0, timeout: float | None = None) -> None:
        """Poll until the job succeeds, in this process; raises JobFailedError when it fails or times out."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self.status(client, job_id)
            if status.done:
                if not status.succeeded:
                    raise JobFailedError(job_id, status.state, status.message)
                return
            if deadline is not None and time.monotonic() > deadline:
                raise JobFailedError(job_id, status.state, f"timed out after {timeout:.0f} s")
            log.info("Job %s is %s; next check in %.0f s", job_id, status.state, poll_interval)
            time.sleep(poll_interval)


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
        from airflow_provider_ccanalytics.core.genesys import JOB_FAILURE_STATES, JOB_SUCCESS_STATES

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
        from airflow_provider_ccanalytics.core.genesys import job_id_from_answer, jobs_path

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
        from airflow_provider_ccanalytics.core.genesys import jobs_path
        from airflow_provider_ccanalytics.core.paging import CursorPaginator, PageRequest

        request = PageRequest("GET", f"{jobs_path(self.family)}/{job_id}/results")
        paginator = CursorPaginator(client.settings.job_page_size)
        for body, records in client.pages(request, paginator, self.records_key, what=f"users job {job_id}"):
            if body.get("cursor") and not records:
                raise UnexpectedResponseError(200, f"a page of job {job_id} has a cursor but no '{self.records_key}'")
            yield from records


class CxoneExtractionJobs(JobType):
    """Data Extraction jobs (``/data-extraction/v1/jobs``): states compared case-insensitively."""

    name, vendor = "cxone.data_extraction", "cxone"

    def submit(self, client: Any, window: Window, **spec: Any) -> str:
        return client.create_extraction_job(spec["entity_name"], str(spec["version"]), window)

    def status(self, client: Any, job_id: str) -> JobStatus:
        from airflow_provider_ccanalytics.core.cxone import (
            EXTRACTION_FAILURE_STATES,
            EXTRACTION_SUCCESS_STATES,
            job_error_message,
            normal_state,
        )

        result = client.extraction_job(job_id)
        state = normal_state(result.get("status"))
        return JobStatus.of(state, EXTRACTION_SUCCESS_STATES, EXTRACTION_FAILURE_STATES, job_error_message(result))

    def results(self, client: Any, job_id: str, window: Window, **spec: Any) -> Iterator[dict[str, Any]]:
        return client.iter_extraction_rows(job_id)

    def cancel(self, client: Any, job_id: str) -> None:
        client.cancel_extraction_job(job_id)


class CxoneReportJobs(JobType):
    """Custom report jobs (``report-jobs/{reportId}``)."""

    name, vendor = "cxone.report", "cxone"

    def submit(self, client: Any, window: Window, **spec: Any) -> str:
        return client.start_report_job(str(spec["report_id"]), window, spec.get("file_type", "CSV"))

    def status(self, client: Any, job_id: str) -> JobStatus:
        from airflow_provider_ccanalytics.core.cxone import (
            REPORT_FAILURE_STATES,
            REPORT_SUCCESS_STATES,
            job_error_message,
            normal_state,
        )

        result = client.report_job(job_id)
        state = normal_state(result.get("state"))
        return JobStatus.of(state, REPORT_SUCCESS_STATES, REPORT_FAILURE_STATES, job_error_message(result))

    def results(self, client: Any, job_id: str, window: Window, **spec: Any) -> Iterator[dict[str, Any]]:
        return client.iter_report_rows(job_id)

    def cancel(self, client: Any, job_id: str) -> None:
        client.cancel_report_job(job_id)


GENESYS_CONVERSATION_JOBS = GenesysConversationJobs("genesys.conversation_details", "conversations", "conversations")
GENESYS_USER_JOBS = GenesysUserJobs("genesys.user_details", "users", "userDetails")
CXONE_EXTRACTION_JOBS = CxoneExtractionJobs()
CXONE_REPORT_JOBS = CxoneReportJobs()

JOB_TYPES: dict[str, JobType] = {
    job.name: job for job in (GENESYS_CONVERSATION_JOBS, GENESYS_USER_JOBS, CXONE_EXTRACTION_JOBS, CXONE_REPORT_JOBS)
}


def job_type(name: str | JobType) -> JobType:
    """The registered job type of ``name`` (a job type is returned as it is)."""
    if isinstance(name, JobType):
        return name
    found = JOB_TYPES.get(name)
    if found is None:
        raise ConfigurationError("job_type", f"no job type {name!r}; use one of {sorted(JOB_TYPES)}")
    return found
