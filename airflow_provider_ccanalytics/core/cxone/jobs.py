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


class CxoneExtractionJobs(JobType):
    """Data Extraction jobs (``/data-extraction/v1/jobs``): states compared case-insensitively."""

    name, vendor = "cxone.data_extraction", "cxone"

    def submit(self, client: Any, window: Window, **spec: Any) -> str:
        return client.create_extraction_job(spec["entity_name"], str(spec["version"]), window)

    def status(self, client: Any, job_id: str) -> JobStatus:
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
        result = client.report_job(job_id)
        state = normal_state(result.get("state"))
        return JobStatus.of(state, REPORT_SUCCESS_STATES, REPORT_FAILURE_STATES, job_error_message(result))

    def results(self, client: Any, job_id: str, window: Window, **spec: Any) -> Iterator[dict[str, Any]]:
        return client.iter_report_rows(job_id)

    def cancel(self, client: Any, job_id: str) -> None:
        client.cancel_report_job(job_id)


CXONE_EXTRACTION_JOBS = CxoneExtractionJobs()
CXONE_REPORT_JOBS = CxoneReportJobs()

#: the CXone job families (the registry reads this)
JOB_TYPES: tuple[JobType, ...] = (CXONE_EXTRACTION_JOBS, CXONE_REPORT_JOBS)
