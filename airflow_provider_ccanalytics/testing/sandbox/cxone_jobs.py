"""CXone Data Extraction jobs and the pre-signed result files they point at.

Sources: NICE's Data Extraction API as its published spec and the clients generated from it show it
(``POST /data-extraction/v1/jobs`` with ``entityName``, ``version``, ``startDate``, ``endDate``; the job id
answered as a JSON string; ``jobStatus{id, status, result{url, errorMessage}}``; ``GET /data-extraction/v1/jobs``
answering ``{jobs: [{id, status}]}`` (calljacob/nice-cxone-api ``DataextractionDataextractionService.ts``
``getAllJobs``, served in ``routing.py``); one create per 30 s, one running job per tenant; a result URL valid
about 30 s). GUESS: the throttling and "already running" bodies (none public), and the cancel by
``PUT {"status": "CANCELLED"}`` (UNDOCUMENTED: the published spec has no cancel; served so the client's best
effort can be exercised).
"""

from __future__ import annotations

import math
import secrets
import uuid
from typing import Any

from airflow_provider_ccanalytics.testing.data import parse_ts
from airflow_provider_ccanalytics.testing.sandbox.cxone_common import CxoneCommon
from airflow_provider_ccanalytics.testing.sandbox.problems import ApiProblem

#: Data Extraction entities found documented in public sources (name: the version public code uses, or "").
#: Sources: NICE's public Data Extraction documentation names `qm-workflows` (v4), QM questions, answers and
#: evaluator notes and WFM payroll; for `recording-interaction-metadata`, v7 is what public code uses.
#: GUESS: the names `qm-questions`, `qm-answers`, `qm-evaluator-notes` and `wfm-payroll` (the sources name the
#: data, not always the entityName). There is no `completed-contacts` entity. Refused only with
#: `cxone_strict_entities`.
EXTRACTION_ENTITIES: dict[str, str] = {
    "recording-interaction-metadata": "7",
    "qm-workflows": "4",
    "qm-questions": "",
    "qm-answers": "",
    "qm-evaluator-notes": "",
    "wfm-payroll": "",
}


class CxoneJobsMixin(CxoneCommon):
    """``/data-extraction/v1/jobs`` and ``/cxone/files``."""

    _extractions: dict[str, dict[str, Any]]
    _files: dict[str, tuple[str, float]]
    _last_extraction_create: float

    def _create_extraction(self, body: dict[str, Any]) -> str:
        missing = [key for key in ("entityName", "version", "startDate", "endDate") if not body.get(key)]
        if missing:
            raise ApiProblem(400, {"error": "InvalidRequest", "message": f"missing fields: {missing}"})
        try:
            start, end = parse_ts(body["startDate"]), parse_ts(body["endDate"])
        except ValueError:
            raise ApiProblem(400, {"error": "InvalidRequest", "message": "invalid startDate/endDate"}) from None
        if self.config.cxone_strict_entities and body["entityName"] not in EXTRACTION_ENTITIES:
            raise ApiProblem(400, {"error": "InvalidRequest", "message": f"Unknown entity '{body['entityName']}'"})
        now = self.clock()
        busy = self.config.cxone_busy_status
        with self._lock:
            wait = self._last_extraction_create + self.config.extraction_create_interval - now
            if wait > 0:  # GUESS at the 403 body: no public text is known
                self.counters["cxone create throttled"] += 1
                if busy == 403:
                    raise ApiProblem(
                        403,
                        {"error": "Forbidden", "message": "Too many requests: one job per 30 seconds. Try again later"},
                    )
                self.counters["429 sent"] += 1
                raise ApiProblem(
                    429,
                    {"error": "TooManyRequests", "message": "Only one job may be created every 30 seconds"},
                    {"Retry-After": str(max(1, math.ceil(wait)))},
                )
            running = [j for j in self._extractions.values() if self._extraction_status(j) == "RUNNING"]
            if running:
                self.counters["cxone create refused running"] += 1
                raise ApiProblem(
                    busy,
                    {
                        "error": "Forbidden" if busy == 403 else "Conflict",
                        "message": "A data extraction job is already running for this tenant",
                    },
                )
            self._last_extraction_create = now
            job_id = str(uuid.uuid4())
            outcome = self._next_job_outcome.pop(0) if self._next_job_outcome else "SUCCEEDED"
            self._extractions[job_id] = {
                "id": job_id,
                "entity": body["entityName"],
                "start": start,
                "end": end,
                "created": now,
                "outcome": outcome,
                "cancelled": False,
            }
        return job_id

    def _extraction_view(self, job: dict[str, Any]) -> dict[str, Any]:
        status = self._extraction_status(job).upper()
        shown: dict[str, Any] = {
            self.config.cxone_job_id_field: job["id"],
            "status": self._cased(status),
            "entityName": job["entity"],
        }
        result: dict[str, Any] = {}
        if status == "SUCCEEDED":
            name = secrets.token_urlsafe(16)
            with self._lock:
                self._files[name] = (job["id"], self.clock() + self.config.result_url_ttl)
            result["url"] = f"{self.base_url}/cxone/files/{name}?X-Amz-Expires={int(self.config.result_url_ttl)}"
        if status == "FAILED":
            where = result if self.config.cxone_error_message_in == "result" else shown
            where["errorMessage"] = "The extraction failed in the sandbox (scripted)"
        if result:
            shown["result"] = result
        return {"jobStatus": shown}

    def _cxone_file(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        with self._lock:
            entry = self._files.get(path.strip("/"))
        if entry is None or entry[1] < self.clock():
            return (
                "cxone file",
                403,
                {"Content-Type": "application/xml"},
                ('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>'),
            )
        if headers.get("Authorization"):
            return (
                "cxone file",
                400,
                {"Content-Type": "application/xml"},
                (
                    '<?xml version="1.0"?><Error><Code>InvalidArgument</Code>'
                    "<Message>Only one auth mechanism allowed</Message></Error>"
                ),
            )
        with self._lock:
            job = self._extractions[entry[0]]
        return (
            "cxone file",
            200,
            {"Content-Type": "text/csv; charset=utf-8"},
            self._contacts_csv(job["start"], job["end"]),
        )
