"""Genesys Cloud workforce management: management units and the historical adherence bulk job.

Source: the official Genesys SDK (MyPureCloud/platform-client-sdk-python ``build/docs/WorkforceManagementApi.md``):
``GET /api/v2/workforcemanagement/managementunits`` answers a ``ManagementUnitListing`` (``entities``; paging "is
not supported"); ``POST /api/v2/workforcemanagement/adherence/historical/bulk`` takes a
``WfmHistoricalAdherenceBulkQuery`` (``items[]``: ``managementUnitId``, ``startDate``, ``endDate``, ``userIds``,
``includeExceptions``, ``includeActuals``; ``timeZone``, required) and answers a
``WfmHistoricalAdherenceBulkResponse`` (``job{id, status, selfUri}``); ``GET .../bulk/jobs/{jobId}`` answers the
same, with ``downloadUrls`` once ``status`` is ``Complete`` ("Results will always come via downloadUrls", each a
``WfmHistoricalAdherenceBulkResult``). The data: :mod:`..workforce`.

GUESS (not documented): the POST answers 202 with ``status`` ``Processing``; a job is ``Complete`` after
:attr:`GenesysWorkforceMixin.wfm_job_polls` status reads (a sandbox rule: a few polls); one download URL per
item, pre-signed (refused with an ``Authorization`` header, as S3 refuses a second auth mechanism); ``endDate`` is
exclusive; the last status read is not checked against the user who started the job.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from airflow_provider_ccanalytics.testing.data import parse_ts
from airflow_provider_ccanalytics.testing.sandbox.list_routes import ListRoute, register_sandbox_route
from airflow_provider_ccanalytics.testing.sandbox.problems import genesys_problem, json_body
from airflow_provider_ccanalytics.testing.workforce import Adherence, management_units, unit_of

ADHERENCE_BULK = "/api/v2/workforcemanagement/adherence/historical/bulk"
#: below the sandbox's base URL: the pre-signed result files
WFM_FILES = "/genesys/wfm-files/"

# Genesys `GET /api/v2/workforcemanagement/managementunits` (WorkforceManagementApi.get_workforcemanagement_
# managementunits -> ManagementUnitListing; "paging is not supported": one answer)
MANAGEMENT_UNITS_ROUTE = register_sandbox_route(
    ListRoute("genesys", "/api/v2/workforcemanagement/managementunits", "management_units", "none", "entities"),
    lambda data, query: management_units(),
)


class GenesysWorkforceMixin:
    """The adherence bulk jobs (kept in ``_wfm_jobs``) and their result files."""

    data: Any
    config: Any
    _lock: Any
    _next_job_outcome: list[str]
    base_url: str
    #: status reads that answer ``Processing`` before a job is ``Complete``
    wfm_job_polls = 2

    def _wfm_jobs(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            if "_wfm_job_table" not in self.__dict__:
                self.__dict__["_wfm_job_table"] = {}
            jobs: dict[str, dict[str, Any]] = self.__dict__["_wfm_job_table"]
            return jobs

    def _wfm_route(self, method: str, path: str, body: bytes) -> tuple[str, int, dict[str, str], Any]:
        if path == ADHERENCE_BULK and method == "POST":
            return "genesys adherence/bulk", 202, {}, self._wfm_create(json_body(body))
        match = re.fullmatch(f"{ADHERENCE_BULK}/jobs/([^/]+)", path)
        if match and method == "GET":
            return "genesys adherence/bulk/jobs", 200, {}, self._wfm_status(match.group(1))
        raise genesys_problem(404, f"Resource not found: {method} {path}", "not.found")

    def _wfm_create(self, body: dict[str, Any]) -> dict[str, Any]:
        items, zone = body.get("items"), body.get("timeZone")
        if not isinstance(items, list) or not items or not zone:
            raise genesys_problem(400, "items and timeZone are required", "missing.required.property")
        parsed = []
        for item in items:
            try:
                start, end = parse_ts(item["startDate"]), parse_ts(item["endDate"])
            except (KeyError, TypeError, ValueError):
                raise genesys_problem(400, "each item needs startDate and endDate", "invalid.value") from None
            unit = item.get("managementUnitId")
            if unit not in {u["id"] for u in management_units()} or end <= start:
                raise genesys_problem(400, f"invalid item {item}", "invalid.value")
            parsed.append((unit, start, end))
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise genesys_problem(400, f"unknown timeZone {zone}", "invalid.value") from None
        job_id = str(uuid.uuid4())
        with self._lock:  # a scripted failure (Sandbox.fail_next_job) ends the job in Error
            failed = bool(self._next_job_outcome) and bool(self._next_job_outcome.pop(0))
            job = {"items": parsed, "timeZone": zone, "reads": 0, "body": body, "failed": failed}
            self._wfm_jobs()[job_id] = job
        return {"job": self._wfm_reference(job_id, "Processing")}

    def _wfm_reference(self, job_id: str, status: str) -> dict[str, Any]:
        return {"id": job_id, "status": status, "selfUri": f"{ADHERENCE_BULK}/jobs/{job_id}"}

    def _wfm_status(self, job_id: str) -> dict[str, Any]:
        with self._lock:
            job = self._wfm_jobs().get(job_id)
            if job is None:
                raise genesys_problem(404, f"Job {job_id} not found", "not.found")
            job["reads"] += 1
            done = job["reads"] > self.wfm_job_polls
        if not done:
            return {"job": self._wfm_reference(job_id, "Processing")}
        if job["failed"]:
            return {"job": self._wfm_reference(job_id, "Error")}
        urls = [f"{self.base_url}{WFM_FILES}{job_id}/{index}.json" for index in range(len(job["items"]))]
        return {"job": self._wfm_reference(job_id, "Complete"), "downloadUrls": urls}

    def _wfm_file(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        if headers.get("Authorization"):
            return (
                "genesys wfm file",
                400,
                {"Content-Type": "application/xml"},
                (
                    '<?xml version="1.0"?><Error><Code>InvalidArgument</Code>'
                    "<Message>Only one auth mechanism allowed</Message></Error>"
                ),
            )
        match = re.fullmatch(r"/?([^/]+)/(\d+)\.json", path)
        with self._lock:
            job = self._wfm_jobs().get(match.group(1)) if match else None
        if job is None or match is None or int(match.group(2)) >= len(job["items"]) or method != "GET":
            return "genesys wfm file", 404, {"Content-Type": "application/xml"}, "<Error><Code>NoSuchKey</Code></Error>"
        unit, start, end = job["items"][int(match.group(2))]
        result = Adherence(self.data.activity, self.data.spec.seed).bulk_result(unit, start, end, job["timeZone"])
        wanted = ((job["body"].get("items") or [{}])[int(match.group(2))] or {}).get("userIds")
        if wanted:
            result["userResults"] = [r for r in result["userResults"] if r["userId"] in set(wanted)]
        assert all(unit_of(r["userId"]) == unit for r in result["userResults"])
        return "genesys wfm file", 200, {}, result
