"""Request dispatch: path prefixes to vendor routes, each vendor's API paths to the mixin that serves them.

Sources: the vendors' paths (Genesys' platform API ``/api/v2/...``, NICE's ``/inContactAPI/services/v34.0/...``
and ``/data-extraction/v1/...``) below the sandbox's prefixes; every Genesys answer carries an
``ININ-Correlation-Id`` as the platform API's do.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from airflow_provider_ccanalytics.testing.data import iso
from airflow_provider_ccanalytics.testing.sandbox.config import Fault
from airflow_provider_ccanalytics.testing.sandbox.cxone_jobs import CxoneJobsMixin
from airflow_provider_ccanalytics.testing.sandbox.cxone_reporting import CxoneReportingMixin
from airflow_provider_ccanalytics.testing.sandbox.genesys_aggregates import GenesysAggregatesMixin
from airflow_provider_ccanalytics.testing.sandbox.genesys_org import ORGANIZATION, GenesysOrgMixin
from airflow_provider_ccanalytics.testing.sandbox.genesys_quality import EVALUATIONS_SEARCH, GenesysQualityMixin
from airflow_provider_ccanalytics.testing.sandbox.genesys_speech import (
    TRANSCRIPT_FILES,
    TRANSCRIPT_URLS,
    GenesysSpeechMixin,
)
from airflow_provider_ccanalytics.testing.sandbox.listings import ListRoutesMixin
from airflow_provider_ccanalytics.testing.sandbox.oauth import OAuthMixin
from airflow_provider_ccanalytics.testing.sandbox.problems import ApiProblem, RawJson, genesys_problem, json_body

#: (job kind, path prefix, counter label) of each Genesys details-job family; counters keep their old names
GENESYS_JOB_FAMILIES = (
    ("conversations", "/api/v2/analytics/conversations/details/jobs", "jobs "),
    ("users", "/api/v2/analytics/users/details/jobs", "users jobs "),
)


class Router(
    OAuthMixin,
    GenesysAggregatesMixin,
    GenesysOrgMixin,
    GenesysQualityMixin,
    GenesysSpeechMixin,
    CxoneReportingMixin,
    CxoneJobsMixin,
    ListRoutesMixin,
):
    """Dispatch one request to its route; every answer is counted."""

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and re.search(fault.pattern, path) and fault.method in (None, method):
                    if fault.rate < 1.0 and self._fault_random.random() >= fault.rate:
                        continue
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.times -= 1
                    return fault
        return None

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """Dispatch one request; returns (status, headers, body). Never raises."""
        route = "unknown"
        try:
            for prefix, handler in self._routes():
                if path.startswith(prefix):
                    route, status, out_headers, payload = handler(
                        method, path[len(prefix) :] or "/", query, headers, body
                    )
                    break
            else:
                raise genesys_problem(404, f"No route for {method} {path}", "not.found")
        except ApiProblem as problem:
            status, out_headers, payload = problem.status, problem.headers, problem.body
        except Exception as exc:  # a sandbox bug must still look like a vendor 500, not a dropped socket
            status, out_headers, payload = 500, {}, {"message": f"sandbox error: {exc!r}", "status": 500}
        if isinstance(payload, RawJson):
            data = bytes(payload)
            out_headers.setdefault("Content-Type", "application/json")
        elif isinstance(payload, (bytes, str)):
            data = payload.encode() if isinstance(payload, str) else payload
            out_headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        elif status == 204:
            data = b""
        else:
            data = json.dumps(payload, separators=(",", ":")).encode()
            out_headers.setdefault("Content-Type", "application/json")
        with self._lock:
            self.counters[f"{method} {route}"] += 1
            self.counters["requests"] += 1
            self.counters["bytes_sent"] += len(data)
            self.counters[f"status {status}"] += 1
        return status, out_headers, data

    def _routes(self) -> list[tuple[str, Callable[..., tuple[str, int, dict[str, str], Any]]]]:
        return [
            ("/genesys/login", self._genesys_login),
            ("/genesys/api", self._genesys_api),
            ("/cxone/issuer", self._cxone_issuer),
            ("/cxone/api", self._cxone_api),
            ("/cxone/files/", self._cxone_file),
            (TRANSCRIPT_FILES, self._transcript_file),  # pre-signed: no bearer token (genesys_speech)
            ("/_sandbox", self._control),
        ]

    def _control(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        if path == "/stats":
            return "sandbox stats", 200, {}, self.stats()
        if path == "/reset" and method == "POST":
            self.reset_stats()
            return "sandbox reset", 200, {}, {"reset": True}
        if path == "/urls":
            return "sandbox urls", 200, {}, self.urls()
        raise genesys_problem(404, "unknown sandbox control path", "not.found")

    def _genesys_api(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        correlation = {"ININ-Correlation-Id": str(uuid.uuid4())}
        try:
            route, status, out, payload = self._genesys_route(method, path, query, headers, body)
        except ApiProblem as problem:
            problem.headers.update(correlation)
            raise
        return route, status, {**out, **correlation}, payload

    def _genesys_route(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        token = self._bearer("genesys", headers)
        self._rate_limit(token, "genesys")
        base = "/api/v2/analytics/conversations"
        if path == ORGANIZATION and method == "GET":
            return "genesys organizations/me", 200, {}, self._organization()
        if path == f"{base}/details/query" and method == "POST":
            return "genesys details/query", 200, {}, self._details_query(json_body(body))
        if path == f"{base}/aggregates/query" and method == "POST":
            return "genesys aggregates/query", 200, {}, self._aggregates_query(json_body(body))
        if path == "/api/v2/analytics/users/details/query" and method == "POST":
            return "genesys users details/query", 200, {}, self._users_details_query(json_body(body))
        if path == EVALUATIONS_SEARCH and method == "POST":
            return "genesys evaluations/search", 200, {}, self._evaluations_search(json_body(body))
        transcript = TRANSCRIPT_URLS.fullmatch(path)
        if transcript and method == "GET":
            return "genesys transcripturls", 200, {}, self._transcript_urls(transcript.group(1), transcript.group(2))
        aggregates = self._aggregates_route(method, path, query, body)  # every family's aggregates query and jobs
        if aggregates is not None:
            return aggregates
        for kind, jobs, label in GENESYS_JOB_FAMILIES:
            if path.startswith(jobs):
                return self._genesys_jobs_route(kind, label, method, path[len(jobs) :], query, body)
        listed = self._list_route("genesys", method, path, query)  # platform lists (list_routes.LIST_ROUTES)
        if listed is not None:
            return listed
        raise genesys_problem(404, f"Resource not found: {method} {path}", "not.found")

    def _genesys_jobs_route(
        self, kind: str, label: str, method: str, rest: str, query: dict[str, str], body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        """``{family}/details/jobs``: availability, create, status, results, delete (the same for each family)."""
        if rest == "/availability" and method == "GET":
            return (
                f"genesys {label.strip()}/availability",
                200,
                {},
                {"dataAvailabilityDate": iso(self._availability(kind))},
            )
        if rest == "" and method == "POST":
            return f"genesys {label}create", 202, {}, self._create_job(json_body(body), kind)
        match = re.fullmatch(r"/([^/]+)(/results)?", rest)
        if match:
            job_id, results = match.group(1), match.group(2)
            with self._lock:
                job = self._jobs.get(job_id)
            if job is None or job.kind != kind:
                raise genesys_problem(404, f"Job {job_id} not found", "not.found")
            if results and method == "GET":
                return f"genesys {label}results", 200, {}, self._job_results(job, query)
            if not results and method == "GET":
                return f"genesys {label}status", 200, {}, self._job_status(job)
            if not results and method == "DELETE":
                with self._lock:
                    job.cancelled = True
                return f"genesys {label}delete", 202, {}, b""
        raise genesys_problem(404, f"Resource not found: {method} {rest}", "not.found")

    def _cxone_api(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        token = self._bearer("cxone", headers)
        self._rate_limit(token, "cxone")
        if path == "/inContactAPI/services/v34.0/contacts/completed" and method == "GET":
            status, payload = self._completed_contacts(query)
            return "cxone contacts/completed", status, {}, payload
        if path == "/data-extraction/v1/jobs" and method == "POST":
            job_id = self._create_extraction(json_body(body))
            shape = self.config.cxone_create_answer
            answer = RawJson(json.dumps(job_id).encode()) if shape == "string" else {shape: job_id}
            return "cxone extraction create", 202, {}, answer
        if path == "/data-extraction/v1/jobs" and method == "GET":
            # `getAllJobs` (calljacob/nice-cxone-api DataextractionDataextractionService.ts): {jobs: [{id, status}]}
            with self._lock:
                jobs = list(self._extractions.values())
            listed_jobs = [{"id": job["id"], "status": self._cased(self._extraction_status(job))} for job in jobs]
            return "cxone extraction list", 200, {}, {"jobs": listed_jobs}
        reports = "/inContactAPI/services/v34.0/report-jobs"
        if path.startswith(f"{reports}/"):
            return self._report_jobs(method, path[len(reports) + 1 :], query)
        match = re.fullmatch(r"/data-extraction/v1/jobs/([^/]+)", path)
        if match:
            with self._lock:
                job = self._extractions.get(match.group(1))
            if job is None:
                raise ApiProblem(404, {"error": "NotFound", "message": "job not found"})
            if method == "GET":
                return "cxone extraction status", 200, {}, self._extraction_view(job)
            if method == "PUT" and json_body(body).get("status") == "CANCELLED":
                with self._lock:
                    job["cancelled"] = True
                return "cxone extraction cancel", 202, {}, b""
        listed = self._list_route("cxone", method, path, query)  # admin lists, summaries (list_routes.LIST_ROUTES)
        if listed is not None:
            return listed
        raise ApiProblem(404, {"error": "NotFound", "message": f"no such endpoint {method} {path}"})
