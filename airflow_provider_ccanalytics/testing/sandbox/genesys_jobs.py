"""Genesys Cloud analytics details jobs, one kind per family (``conversations``, ``users``): create, state, status,
cursor-paged results.

Sources: Genesys' developer docs and the official Genesys SDK models: ``POST .../details/jobs`` answers
``{"jobId"}`` (202); the status has ``state`` (QUEUED, PENDING, FULFILLED, FAILED, CANCELLED, EXPIRED),
``errorMessage``, ``expirationDate``; results page by ``cursor`` (none on the last page); ``DELETE`` cancels;
``.../jobs/availability`` answers ``dataAvailabilityDate``. The 400,000 results cap is practitioners' report,
not documented (a setting).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_ccanalytics.testing.data import iso
from airflow_provider_ccanalytics.testing.sandbox.genesys_users import GenesysUsersMixin
from airflow_provider_ccanalytics.testing.sandbox.problems import RawJson, genesys_problem


@dataclass
class _Job:
    job_id: str
    start: float
    end: float
    created: float
    duration: float
    outcome: str = "FULFILLED"
    cancelled: bool = False
    availability: float = 0.0
    query: dict[str, Any] = field(default_factory=dict)
    kind: str = "conversations"


class GenesysJobsMixin(GenesysUsersMixin):
    """``/api/v2/analytics/{conversations,users}/details/jobs``: each family's jobs and its own watermark."""

    _jobs: dict[str, _Job]

    def _availability(self, kind: str) -> float:
        """The family's ``dataAvailabilityDate`` (epoch seconds): now minus its configured lag."""
        lag = self.config.availability_lag
        if kind == "users" and self.config.users_availability_lag is not None:
            lag = self.config.users_availability_lag
        return self.clock() - lag

    def _create_job(self, body: dict[str, Any], kind: str = "conversations") -> dict[str, Any]:
        start, end = self._interval(body, capped=False)
        job = _Job(
            str(uuid.uuid4()),
            start,
            end,
            self.clock(),
            self.config.job_seconds,
            query=body,
            availability=self._availability(kind),
            kind=kind,
        )
        with self._lock:
            if self._next_job_outcome:
                job.outcome = self._next_job_outcome.pop(0)
            self._jobs[job.job_id] = job
        return {"jobId": job.job_id}

    def _genesys_job_state(self, job: _Job) -> str:
        age = self.clock() - job.created
        if job.cancelled:
            return "CANCELLED"
        if age < job.duration / 2:
            return "QUEUED"
        if age < job.duration:
            return "PENDING"
        if job.outcome == "EXPIRED" or age > job.duration + self.config.job_expire_seconds:
            return "EXPIRED"
        return job.outcome

    def _job_status(self, job: _Job) -> dict[str, Any]:
        state = self._genesys_job_state(job)
        answer = {
            "state": state,
            "submissionDate": iso(job.created),
            "expirationDate": iso(job.created + job.duration + self.config.job_expire_seconds),
        }
        if state == "FULFILLED":
            answer["completionDate"] = iso(job.created + job.duration)
        if state == "FAILED":
            answer["errorMessage"] = "The job failed in the sandbox (scripted)"
        return answer

    def _results_offset(self, job: _Job, query: dict[str, str]) -> int:
        """Where a results page of a FULFILLED job starts: 0, or the offset its ``cursor`` names; 400 for a job
        not yet fulfilled or a cursor the sandbox did not issue."""
        state = self._genesys_job_state(job)
        if state != "FULFILLED":
            raise genesys_problem(
                400, f"Job {job.job_id} is {state}; results are available once FULFILLED", "bad.request"
            )
        if not query.get("cursor"):
            return 0
        try:
            return int(base64.urlsafe_b64decode(query["cursor"].encode()).decode())
        except ValueError:
            raise genesys_problem(400, "Invalid cursor", "invalid.value") from None

    def _job_results(self, job: _Job, query: dict[str, str]) -> RawJson | dict[str, Any]:
        offset = self._results_offset(job, query)
        size = min(int(query.get("pageSize", 1000)), 10_000)
        if job.kind == "users":
            return self._users_job_page(job.start, job.end, job.availability, query, offset)
        indexes = [
            i
            for i in self.data.conversations_overlapping(job.start, job.end)
            if self.data.conv_starts[i] < job.availability
        ]
        page = indexes[offset : offset + size]
        if offset + len(page) > self.config.genesys_job_result_cap:
            raise genesys_problem(
                400, f"Pagination may not exceed {self.config.genesys_job_result_cap} results", "bad.request"
            )
        fields: dict[str, Any] = {}
        if offset + size < len(indexes):
            fields["cursor"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        return self._conversations_page(page, fields, job.created if self.data.changes_late else None)
