"""CXone custom reports: the synchronous data download and report jobs (a base of :class:`.client.CxoneClient`).

Sources: NICE's published spec as the client generated from it has it (calljacob/nice-cxone-api
``src/services/reporting/ReportingReportingService.ts``: ``generateADatadownloadReportFile``, ``startReportJob``,
``reportJobByID``). Kept apart from :mod:`.client` to keep each module short.
"""

from __future__ import annotations

import base64
import csv
import io
import logging
from collections.abc import Iterator
from typing import Any

import requests

from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.core.cxone.shapes import REPORT_JOBS, job_id_of
from airflow_provider_ccanalytics.core.errors import ConfigurationError, UnexpectedResponseError
from airflow_provider_ccanalytics.core.http import ApiClient, json_body
from airflow_provider_ccanalytics.core.partitions import Window, iso_z
from airflow_provider_ccanalytics.core.records import typed_rows

log = logging.getLogger("airflow_provider_ccanalytics")


class CxoneReports(ApiClient):
    """Custom report calls (mixed into :class:`.client.CxoneClient`)."""

    # -- custom reports: the synchronous data download ------------------------------------------

    def iter_report_download(self, report_id: str, window: Window) -> Iterator[dict[str, Any]]:
        """A custom report's rows for ``window`` in one call: ``POST /report-jobs/datadownload/{reportId}`` with
        ``startDate``, ``endDate``, ``saveAsFile=false``, ``includeHeaders=true`` (NICE's spec,
        ``generateADatadownloadReportFile``; the call code against real tenants uses, v12 to v34). The answer's
        ``file`` is the base64 CSV, typed like extraction rows; 204 is a window without data.

        Creates nothing on the vendor's side, so it is retried like a read.

        :raises UnexpectedResponseError: when the answer carries an ``errorMessage`` or no file.
        """
        path = f"{REPORT_JOBS}/datadownload/{report_id}"
        params = {
            "startDate": iso_z(window.start),
            "endDate": iso_z(window.end),
            "saveAsFile": "false",
            "includeHeaders": "true",
        }
        body = self.call_json("POST", path, params=params, idempotent=True)
        if not body:
            log.info("CXone report %s has no data for %s (204)", report_id, window.interval())
            return
        encoded = body.get("file")
        if body.get("errorMessage") or not isinstance(encoded, str):
            raise UnexpectedResponseError(
                200,
                f"report {report_id}: {body.get('errorMessage') or 'no file in the answer'}",
                method="POST",
                path=path,
            )
        text = base64.b64decode(encoded).decode("utf-8-sig")
        yield from typed_rows(csv.DictReader(io.StringIO(text)))

    # -- report jobs (custom reports) -------------------------------------------------------------

    def start_report_job(self, report_id: str, window: Window, file_type: str = "CSV") -> str:
        """Run a custom report for ``window``; returns the report job id."""
        params = {"fileType": file_type, "startDate": iso_z(window.start), "endDate": iso_z(window.end)}
        path = f"{REPORT_JOBS}/{report_id}"

        def report_job_id(response: requests.Response) -> str:
            job_id = job_id_of(json_body(response))  # {"jobId"} as NICE's spec (startReportJob); {"id"} too
            if not job_id:
                raise UnexpectedResponseError(
                    response.status_code, "the report job was accepted but no jobId came back", method="POST", path=path
                )
            return job_id

        # never sent twice blindly (see ApiClient.create_job). The spec's GET /report-jobs lists jobs by report but
        # not by window, so tasks running one report for several windows could not tell theirs: not used
        job_id = self.create_job(
            "POST", path, report_job_id, what=f"CXone report job (report {report_id})", params=params
        )
        log.info("Started CXone report job %s (report %s) for %s", job_id, report_id, window.interval())
        return str(job_id)

    def report_job(self, job_id: str) -> dict[str, Any]:
        """The report job: ``state`` and, once Finished, ``resultFileURL``; NICE's spec answers them flat
        (``reportJobByID``), the sandbox's older GUESS under ``jobResult``: both are read."""
        body = self.call_json("GET", f"{REPORT_JOBS}/{job_id}")
        wrapped = body.get("jobResult")
        return dict(wrapped if isinstance(wrapped, dict) else body)

    def iter_report_rows(self, job_id: str) -> Iterator[dict[str, Any]]:
        """The finished report's CSV rows, typed like extraction rows. The file URL is on the API host and needs
        the bearer token; it answers either the file itself or ``{"files": {"file": <base64>}}``."""
        url = self.report_job(job_id).get("resultFileURL")
        if not url:
            raise ConfigurationError("job_id", f"report job {job_id} has no resultFileURL (not Finished?)")
        response = self.call("GET", url)
        text = response.content.decode("utf-8-sig")
        if text.lstrip().startswith("{"):
            encoded = ((jsoncodec.loads(text).get("files") or {}).get("file")) or ""
            text = base64.b64decode(encoded).decode("utf-8-sig")
        yield from typed_rows(csv.DictReader(io.StringIO(text)))

    def cancel_report_job(self, job_id: str) -> None:
        """Cancel a running report job (best effort)."""
        self.call("DELETE", f"{REPORT_JOBS}/{job_id}", ok=(200, 202, 204, 404, 409))
        log.info("Cancelled CXone report job %s", job_id)
