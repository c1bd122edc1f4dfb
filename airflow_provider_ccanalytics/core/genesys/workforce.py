"""Genesys Cloud workforce management: management units and the historical adherence bulk job.

Sources, the official Genesys SDK (MyPureCloud/platform-client-sdk-python ``build/docs/``):
``WorkforceManagementApi.md``: ``get_workforcemanagement_managementunits`` (``ManagementUnitListing``; its
``pageSize``/``pageNumber`` are "Deprecated, paging is not supported": one answer), ``feature`` and
``divisionId`` filters, no permission listed; ``post_workforcemanagement_adherence_historical_bulk``
(``WfmHistoricalAdherenceBulkQuery``: ``items[]`` of ``WfmHistoricalAdherenceBulkItem`` (``managementUnitId``,
``startDate``, ``endDate``, ``userIds``, ``includeExceptions``, ``includeActuals``) and ``timeZone``; permission
``wfm:historicalAdherence:view``) answering ``WfmHistoricalAdherenceBulkResponse`` (``job{id, status}``,
``downloadUrls``); ``get_workforcemanagement_adherence_historical_bulk_job`` (the same response; ``status``
``Processing``, ``Complete`` or ``Error``: ``WfmHistoricalAdherenceBulkJobReference``). "Results will always
come via downloadUrls"; the file is a ``WfmHistoricalAdherenceBulkResult`` (``managementUnitId``, ``startDate``,
``endDate``, ``userResults[]`` of ``WfmHistoricalAdherenceBulkUserResult``: ``userId``, ``exceptionInfo[]``,
``actuals[]``, ``dayMetrics[]``, offsets in seconds from the query's start; ``lookupIdToSecondaryPresenceId``).

GUESS: one download URL per item (management unit), each a whole ``WfmHistoricalAdherenceBulkResult``; no cancel
route is documented (a job is left to end on its own).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import requests

from airflow_provider_ccanalytics.core.datasets import Endpoint, JobStatus, JobType
from airflow_provider_ccanalytics.core.errors import (
    ApiError,
    ConfigurationError,
    ResultUrlExpiredError,
    UnexpectedResponseError,
)
from airflow_provider_ccanalytics.core.http import json_body
from airflow_provider_ccanalytics.core.partitions import Window, iso_z, parse_instant
from airflow_provider_ccanalytics.core.records import (
    DatasetSchema,
    Flattener,
    Row,
    columns,
    float64,
    int64,
    json_text,
    string,
    timestamp,
    without,
)

log = logging.getLogger("airflow_provider_ccanalytics")

WFM_MANAGEMENT_UNITS = "/api/v2/workforcemanagement/managementunits"
WFM_ADHERENCE_BULK = "/api/v2/workforcemanagement/adherence/historical/bulk"
#: the bulk job's final states (``WfmHistoricalAdherenceBulkJobReference.status``, upper-cased)
ADHERENCE_SUCCESS, ADHERENCE_FAILURE = frozenset({"COMPLETE"}), frozenset({"ERROR"})
#: fresh ``downloadUrls`` asked for (a status read) when a file host refuses one (GUESS: they expire like S3's)
DOWNLOAD_ATTEMPTS = 3
#: the per-day metrics of a user (``WfmHistoricalAdherenceBulkUserDayMetrics``), kept as they are
DAY_METRICS = (
    "adherenceScheduleSeconds",
    "conformanceScheduleSeconds",
    "conformanceActualSeconds",
    "exceptionCount",
    "exceptionDurationSeconds",
    "impactSeconds",
    "scheduleLengthSeconds",
    "actualLengthSeconds",
)

GENESYS_MANAGEMENT_UNITS = Endpoint(
    "genesys",
    "management_units",
    WFM_MANAGEMENT_UNITS,
    "entities",
    paging="none",
    options=("feature", "divisionId"),
    settings=(),
    schema=columns(
        string("id", "name", "startDayOfWeek", "timeZone"),
        json_text("businessUnit", "division", "settings", "metadata", "modifiedBy"),
        int64("version"),
        timestamp("dateModified"),
        string("selfUri"),
    ),
    doc="WFM management units (the adherence job runs per unit); one answer, paging is not supported",
)


def adherence_job_id(response: requests.Response) -> str:
    """The job id of the bulk request's answer (``job.id``)."""
    job = json_body(response).get("job")
    job_id = job.get("id") if isinstance(job, dict) else None
    if not job_id:
        raise UnexpectedResponseError(response.status_code, "the adherence bulk request answered no job.id")
    return str(job_id)


def _at(start: datetime, offset: Any) -> str | None:
    return None if offset is None else iso_z(start + timedelta(seconds=float(offset)))


def adherence_records(result: dict[str, Any], time_zone: str) -> Iterator[Row]:
    """One ``WfmHistoricalAdherenceBulkResult`` as user-day records.

    Each record: ``managementUnitId``, ``userId``, ``dayStart`` (the day's start, an instant: the partition key),
    ``timeZone``, the day's metrics (:data:`DAY_METRICS`, ``adherencePercentage``, ``conformancePercentage``),
    and the user's ``exceptions`` and ``actuals`` that start in that day, with ``startTime``/``endTime`` instants
    instead of offsets (and the secondary presence id looked up). An exception or actual before the first day
    goes with the first day.

    :param result: the downloaded file.
    :param time_zone: the query's ``timeZone`` (kept on each record: the days are that zone's).
    """
    unit = result.get("managementUnitId")
    start = parse_instant(result.get("startDate"), "startDate")
    lookup = result.get("lookupIdToSecondaryPresenceId") or {}
    for user in result.get("userResults") or []:
        days = sorted(user.get("dayMetrics") or [], key=lambda day: int(day.get("dayStartOffsetSeconds") or 0))
        records = []
        for day in days:
            offset = int(day.get("dayStartOffsetSeconds") or 0)
            metrics = {name: day.get(name) for name in (*DAY_METRICS, "adherencePercentage", "conformancePercentage")}
            record = {"managementUnitId": unit, "userId": user.get("userId"), "dayStart": _at(start, offset)}
            records.append((offset, {**record, "timeZone": time_zone, **metrics, "exceptions": [], "actuals": []}))
        if not records:
            continue
        for key, items, lookup_key in (
            ("exceptions", user.get("exceptionInfo"), "secondaryPresenceLookupId"),
            ("actuals", user.get("actuals"), "actualSecondaryPresenceLookupId"),
        ):
            for item in sorted(items or [], key=lambda item: int(item.get("startOffsetSeconds") or 0)):
                begin = int(item.get("startOffsetSeconds") or 0)
                home = next((r for o, r in reversed(records) if o <= begin), records[0][1])
                row = without(item, "startOffsetSeconds", "endOffsetSeconds")
                row = {"startTime": _at(start, begin), "endTime": _at(start, item.get("endOffsetSeconds")), **row}
                if item.get(lookup_key):
                    row[lookup_key.replace("LookupId", "Id")] = lookup.get(item[lookup_key])
                home[key].append(row)
        yield from (record for _offset, record in records)


def day_start(record: Row) -> datetime:
    """The instant a user-day record's day starts (its partition key)."""
    return parse_instant(record["dayStart"], "dayStart")


class GenesysAdherenceJobs(JobType):
    """Historical adherence bulk jobs: ``Processing``, then ``Complete`` (or ``Error``); results downloaded,
    without the bearer token, from the ``downloadUrls`` (only from the connection's download hosts)."""

    vendor = "genesys"

    def __init__(self, name: str) -> None:
        self.name = name

    def submit(self, client: Any, window: Window, **spec: Any) -> str:
        """Start one job for ``window``: an item per management unit, exceptions and actuals included.

        :param spec: ``management_unit_ids`` (required), ``time_zone`` (default ``UTC``), ``user_ids``.
        """
        units: Sequence[str] = spec.get("management_unit_ids") or ()
        if not units:
            raise ConfigurationError("management_unit_ids", "no management unit to query: the org lists none")
        items = []
        for unit in units:
            item: dict[str, Any] = {"managementUnitId": unit, "startDate": iso_z(window.start)}
            item.update(endDate=iso_z(window.end), includeExceptions=True, includeActuals=True)
            if spec.get("user_ids"):
                item["userIds"] = list(spec["user_ids"])
            items.append(item)
        body = {"items": items, "timeZone": spec.get("time_zone") or "UTC"}
        job_id = client.create_job(
            "POST", WFM_ADHERENCE_BULK, adherence_job_id, what="Genesys historical adherence bulk job", json=body
        )
        log.info("Submitted adherence job %s: %d management units, %s", job_id, len(items), window.interval())
        return str(job_id)

    def _job(self, client: Any, job_id: str) -> dict[str, Any]:
        return dict(client.call_json("GET", f"{WFM_ADHERENCE_BULK}/jobs/{job_id}"))

    def status(self, client: Any, job_id: str) -> JobStatus:
        job = self._job(client, job_id).get("job") or {}
        state = str(job.get("status") or "UNKNOWN").upper()
        return JobStatus.of(state, ADHERENCE_SUCCESS, ADHERENCE_FAILURE)

    def results(self, client: Any, job_id: str, window: Window, **spec: Any) -> Iterator[dict[str, Any]]:
        """The user-day records of every result file, in (``dayStart``, unit, user) order.

        A file the host refuses (400/403: an expired pre-signed URL) is asked for again with the URL of a fresh
        status read, :data:`DOWNLOAD_ATTEMPTS` times at most.

        :param spec: ``time_zone`` (kept on the records).
        """
        urls = self._job(client, job_id).get("downloadUrls") or []
        log.info("Adherence job %s: %d result files to download", job_id, len(urls))
        records: list[Row] = []
        for index in range(len(urls)):
            for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
                try:  # no authenticator: the token never goes to the file host
                    response = client.transport.request("GET", urls[index], paced=False, ok=(200,))
                    break
                except ApiError as error:
                    if error.status not in (400, 403):
                        raise
                    if attempt == DOWNLOAD_ATTEMPTS:
                        raise ResultUrlExpiredError(job_id, attempt, error.message) from None
                    log.info("Result file %d of job %s refused (%s); reading fresh URLs", index, job_id, error.status)
                    client.transport.stats.note_retry(error)
                    urls = self._job(client, job_id).get("downloadUrls") or urls
            records += adherence_records(json_body(response), spec.get("time_zone") or "UTC")
        records.sort(key=lambda r: (day_start(r), str(r["managementUnitId"]), str(r["userId"])))
        yield from records

    def cancel(self, client: Any, job_id: str) -> None:
        log.info("Adherence job %s is left to end on its own: Genesys documents no cancel route", job_id)


GENESYS_ADHERENCE_JOBS = GenesysAdherenceJobs("genesys.historical_adherence")


def adherence_table_rows(record: Row) -> Iterator[tuple[str, Row]]:
    """A user-day record as rows of ``days``, ``exceptions`` and ``actuals`` (keyed by ``managementUnitId``,
    ``userId``, ``dayStart``)."""
    keys = {name: record.get(name) for name in ("managementUnitId", "userId", "dayStart")}
    yield "days", without(record, "exceptions", "actuals")
    for table in ("exceptions", "actuals"):
        for row in record.get(table) or []:
            yield table, {**keys, **row}


_DAY_KEY = columns(string("managementUnitId", "userId"), timestamp("dayStart"))
_DAY = columns(
    _DAY_KEY, string("timeZone"), int64(*DAY_METRICS), float64("adherencePercentage", "conformancePercentage")
)
_SPAN = columns(timestamp("startTime", "endTime"))
_EXCEPTION = columns(
    _SPAN,
    string("scheduledActivityCodeId", "scheduledActivityCategory", "actualActivityCategory", "systemPresence"),
    string("routingStatus", "impact", "secondaryPresenceLookupId", "secondaryPresenceId"),
)
_ACTUAL = columns(
    _SPAN, string("actualActivityCategory", "actualSecondaryPresenceLookupId", "actualSecondaryPresenceId")
)
#: the adherence dataset's schemas (records, and each table of ``layout="tables"``)
WORKFORCE_SCHEMAS: tuple[DatasetSchema, ...] = (
    DatasetSchema("adherence", 1, columns(_DAY, json_text("exceptions", "actuals"))),
    DatasetSchema("adherence/days", 1, _DAY),
    DatasetSchema("adherence/exceptions", 1, columns(_DAY_KEY, _EXCEPTION)),
    DatasetSchema("adherence/actuals", 1, columns(_DAY_KEY, _ACTUAL)),
)
WORKFORCE_FLATTENERS: dict[str, Flattener] = {
    "adherence": Flattener(("days", "exceptions", "actuals"), adherence_table_rows)
}
