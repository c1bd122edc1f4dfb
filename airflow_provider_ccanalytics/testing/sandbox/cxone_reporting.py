"""CXone Reporting API: completed contacts (skip/top paging) and custom report jobs.

Sources: NICE's v34 reporting API: ``GET /contacts/completed`` with ``startDate``, ``endDate``, ``updatedSince``,
``skip``, ``top``, ``orderBy`` answering ``totalRecords``, ``lastPollTime``, ``_links`` and
``completedContacts[]``, 204 when empty. ``lastPollTime`` is what NICE's docs advise passing as the next
``updatedSince`` (singer-io/tap-nice-incontact ``streams.py``: "`lastPollTime` is suggested by the Docs to be used in
subsequent requests"); a contact's ``lastUpdateTime`` is when it became visible (a GUESS: see
``testing/contacts.py``), so no record updated before a ``lastPollTime`` appears after it.
``POST /report-jobs/{reportId}`` and ``GET /report-jobs/{jobId}``
(``jobResult.state``, ``resultFileURL``): a GUESS kept as it was (NICE's spec answers a flat object and takes no
dates); ``POST /report-jobs/datadownload/{reportId}`` as the spec has it (see ``_data_download``).
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from airflow_provider_ccanalytics.testing.contacts import ms_down
from airflow_provider_ccanalytics.testing.data import iso, parse_ts
from airflow_provider_ccanalytics.testing.sandbox.cxone_common import CxoneCommon
from airflow_provider_ccanalytics.testing.sandbox.problems import ApiProblem


class CxoneReportingMixin(CxoneCommon):
    """``/inContactAPI/services/v34.0/...`` routes."""

    _reports: dict[str, dict[str, Any]]

    def _report_jobs(self, method: str, rest: str, query: dict[str, str]) -> tuple[str, int, dict[str, str], Any]:
        if method == "POST" and rest.startswith("datadownload/"):
            status, payload = self._data_download(rest.removeprefix("datadownload/"), query)
            return "cxone report datadownload", status, {}, payload
        if method == "POST":
            if rest != self.REPORT_ID:
                raise ApiProblem(404, {"error": "NotFound", "message": f"report {rest} not found"})
            try:
                start, end = parse_ts(query["startDate"]), parse_ts(query["endDate"])
            except (KeyError, ValueError):
                raise ApiProblem(
                    400, {"error": "InvalidRequest", "message": "startDate and endDate are required"}
                ) from None
            job_id = str(len(self._reports) + 9000)
            with self._lock:
                outcome = self._next_job_outcome.pop(0) if self._next_job_outcome else "Finished"
                self._reports[job_id] = {
                    "start": start,
                    "end": end,
                    "created": self.clock(),
                    "outcome": outcome,
                    "cancelled": False,
                }
            return "cxone report create", 202, {}, {"jobId": job_id}
        job_id, _, tail = rest.partition("/")
        with self._lock:
            job = self._reports.get(job_id)
        if job is None:
            raise ApiProblem(404, {"error": "NotFound", "message": f"report job {job_id} not found"})
        if method == "GET" and tail == "file":
            encoded = base64.b64encode(self._contacts_csv(job["start"], job["end"]).encode()).decode()
            return "cxone report file", 200, {}, {"files": {"fileName": f"report-{job_id}.csv", "file": encoded}}
        if method == "GET" and not tail:
            state = self._extraction_status(job, running="Running", cancelled="Cancelled")
            result: dict[str, Any] = {"jobId": job_id, "reportId": self.REPORT_ID, "state": self._cased(state)}
            if state.upper() == "FINISHED":
                result["resultFileURL"] = f"{self.cxone_api_url}/inContactAPI/services/v34.0/report-jobs/{job_id}/file"
            # `flat`: NICE's spec (`reportJobByID`: jobId, reportId, ..., resultFileURL, state); `jobResult`: the
            # earlier GUESS wrapper
            flat = self.config.cxone_report_status == "flat"
            return "cxone report status", 200, {}, result if flat else {"jobResult": result}
        if method == "DELETE" and not tail:
            with self._lock:
                job["cancelled"] = True
            return "cxone report cancel", 202, {}, b""
        raise ApiProblem(404, {"error": "NotFound", "message": f"no such endpoint {method} report-jobs/{rest}"})

    def _data_download(self, report_id: str, query: dict[str, str]) -> tuple[int, Any]:
        """``POST /report-jobs/datadownload/{reportId}?startDate&endDate&saveAsFile&includeHeaders``
        (calljacob/nice-cxone-api ``ReportingReportingService.ts`` ``generateADatadownloadReportFile``):
        ``{errorMessage, fileName, file (base64), fileType, URI}`` at once; 204 for a window without data (SANDBOX:
        the sandbox's one report is completed contacts as CSV)."""
        if report_id != self.REPORT_ID:
            raise ApiProblem(404, {"error": "NotFound", "message": f"report {report_id} not found"})
        try:
            start, end = parse_ts(query["startDate"]), parse_ts(query["endDate"])
        except (KeyError, ValueError):
            raise ApiProblem(
                400, {"error": "InvalidRequest", "message": "startDate and endDate are required"}
            ) from None
        if not self.data.contacts_started(start, end):
            return 204, b""
        text = self._contacts_csv(start, end)
        if query.get("includeHeaders", "true").lower() == "false":
            text = text.split("\n", 1)[1]
        name = query.get("fileName") or f"report-{report_id}.csv"
        encoded = base64.b64encode(text.encode()).decode()
        return 200, {"errorMessage": "", "fileName": name, "file": encoded, "fileType": "CSV", "URI": ""}

    def _completed_contacts(self, query: dict[str, str]) -> tuple[int, Any]:
        try:
            if "updatedSince" in query and "startDate" not in query and "endDate" not in query:
                # every contact updated since, whatever its start: how singer-io/tap-nice-incontact's
                # ``ContactsCompleted`` asks real tenants (``updatedSince`` and ``orderBy`` only)
                start, end = float("-inf"), float("inf")
            else:
                start, end = parse_ts(query["startDate"]), parse_ts(query["endDate"])
        except (KeyError, ValueError):
            raise ApiProblem(
                400,
                {"error": "InvalidRequest", "message": "startDate and endDate are required ISO-8601 dates"},
            ) from None
        try:
            skip, top = int(query.get("skip", 0)), int(query.get("top", 10_000))
        except ValueError:
            raise ApiProblem(400, {"error": "InvalidRequest", "message": "skip and top must be integers"}) from None
        top = min(max(top, 1), self.config.cxone_max_top)
        self._check_order_by(query.get("orderBy"))
        now = self.clock()
        visible = [i for i in self.data.contacts_started(start, end) if self.data.contact_visible(i, now)]
        if "updatedSince" in query:
            since = parse_ts(query["updatedSince"])
            visible = [i for i in visible if parse_ts(self.data.contact(i, now)["lastUpdateTime"]) > since]
        page = visible[skip : skip + top]
        if not page:
            return 204, b""
        links: dict[str, str] = {"self": self._contacts_link(query, skip, top)}
        if skip + top < len(visible):
            links["next"] = self._contacts_link(query, skip + top, top)
        if skip > 0:
            links["previous"] = self._contacts_link(query, max(0, skip - top), top)
        return 200, {
            "totalRecords": len(visible),
            # the server's clock to the millisecond, rounded down: every record updated until then is visible now
            # (a record's lastUpdateTime is when it became visible: testing/contacts.py), so passing it as the next
            # updatedSince, as NICE's docs advise, misses no record and repeats none
            "lastPollTime": iso(ms_down(now) / 1000),
            "_links": links,
            "completedContacts": [self.contact_record(i, now) for i in page],
        }

    def _check_order_by(self, order_by: str | None) -> None:
        """400 for an ``orderBy`` that names no field of the served record (``field [asc|desc]``, comma-separated):
        what a server validating it answers (SANDBOX rule; the spec types ``orderBy`` as a free string)."""
        if not order_by or not self.config.cxone_validate_order_by:
            return
        fields = set(self.contact_record(0)) if self.data.contact_starts else set()
        for part in order_by.split(","):
            words = part.split()
            if not words or len(words) > 2 or words[0] not in fields or words[1:] not in ([], ["asc"], ["desc"]):
                raise ApiProblem(
                    400, {"error": "InvalidRequest", "message": f"orderBy: {part.strip()!r} is not a sortable field"}
                )

    def _contacts_link(self, query: dict[str, str], skip: int, top: int) -> str:
        params = {**query, "skip": str(skip), "top": str(top)}
        return f"{self.cxone_api_url}/inContactAPI/services/v34.0/contacts/completed?{urlencode(params)}"
