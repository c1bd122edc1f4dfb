"""NICE CXone's remote-job families (:class:`...datasets.jobs.JobType`): Data Extraction jobs and report jobs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airflow_provider_ccanalytics.core.cxone.shapes import (
    EXTRACTION_FAILURE_STATES,
    EXTRACTION_SUCCESS_STATES,
    REPORT_FAILURE_STATES,
    REPORT_SUCCESS_STATES,
    job_error_message,
    normal_state,
)
from airflow_provider_ccanalytics.core.datasets import JobStatus, JobType
from airflow_provider_ccanalytics.core.partitions import Window


class _CxoneJobs(JobType):
    """What CXone's job families share: a status answer whose state field is compared case-insensitively."""

    vendor = "cxone"
    state_field = ""
    success: frozenset[str] = frozenset()
    failure: frozenset[str] = frozenset()

    def answer(self, client: Any, job_id: str) -> dict[str, Any]:
        """The job's status answer."""
        raise NotImplementedError

    def status(self, client: Any, job_id: str) -> JobStatus:
        result = self.answer(client, job_id)
        state = normal_state(result.get(self.state_field))
        return JobStatus.of(state, self.success, self.failure, job_error_message(result))


class CxoneExtractionJobs(_CxoneJobs):
    """Data Extraction jobs (``/data-extraction/v1/jobs``): ``status`` ``SUCCEEDED`` or a failure."""

    name, state_field = "cxone.data_extraction", "status"
    success, failure = EXTRACTION_SUCCESS_STATES, EXTRACTION_FAILURE_STATES

    def submit(self, client: Any, window: Window, **spec: Any) -> str:
        return client.create_extraction_job(spec["entity_name"], str(spec["version"]), window)

    def answer(self, client: Any, job_id: str) -> dict[str, Any]:
        return client.extraction_job(job_id)

    def results(self, client: Any, job_id: str, window: Window, **spec: Any) -> Iterator[dict[str, Any]]:
        return client.iter_extraction_rows(job_id)

    def cancel(self, client: Any, job_id: str) -> None:
        client.cancel_extraction_job(job_id)


class CxoneReportJobs(_CxoneJobs):
    """Custom report jobs (``report-jobs/{reportId}``): ``state`` ``FINISHED`` or a failure."""

    name, state_field = "cxone.report", "state"
    success, failure = REPORT_SUCCESS_STATES, REPORT_FAILURE_STATES

    def submit(self, client: Any, window: Window, **spec: Any) -> str:
        return client.start_report_job(str(spec["report_id"]), window, spec.get("file_type", "CSV"))

    def answer(self, client: Any, job_id: str) -> dict[str, Any]:
        return client.report_job(job_id)

    def results(self, client: Any, job_id: str, window: Window, **spec: Any) -> Iterator[dict[str, Any]]:
        return client.iter_report_rows(job_id)

    def cancel(self, client: Any, job_id: str) -> None:
        client.cancel_report_job(job_id)


CXONE_EXTRACTION_JOBS = CxoneExtractionJobs()
CXONE_REPORT_JOBS = CxoneReportJobs()

#: the CXone job families (the registry reads this)
JOB_TYPES: tuple[JobType, ...] = (CXONE_EXTRACTION_JOBS, CXONE_REPORT_JOBS)
