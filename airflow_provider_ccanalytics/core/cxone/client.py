"""NICE CXone endpoints: completed contacts and Data Extraction jobs (custom reports: :mod:`.reports`).

Discovery lives in :mod:`.discovery`, response shapes and error classes in :mod:`.shapes`;
their public names are re-exported here.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlsplit

import requests

from airflow_provider_ccanalytics.core.auth import ConnectionRuntime
from airflow_provider_ccanalytics.core.cxone.discovery import (
    DEFAULT_ISSUER,
    OidcConfiguration,
    discover,
    tenant_api_endpoint,
    tenant_id_from_jwt,
)
from airflow_provider_ccanalytics.core.cxone.reports import CxoneReports
from airflow_provider_ccanalytics.core.cxone.shapes import (
    COMPLETED_CONTACTS,
    CONTACT_START_FIELDS,
    EXTRACTION_FAILURE_STATES,
    EXTRACTION_JOBS,
    EXTRACTION_SUCCESS_STATES,
    KNOWN_EXTRACTION_ENTITIES,
    REPORT_FAILURE_STATES,
    REPORT_JOBS,
    REPORT_SUCCESS_STATES,
    ExtractionJobRunningError,
    contact_start,
    cxone_error_mapper,
    extraction_job_id,
    job_error_message,
    job_id_from_answer,
    job_id_of,
    normal_state,
)
from airflow_provider_ccanalytics.core.errors import (
    ApiError,
    CcAnalyticsError,
    ConfigurationError,
    ConnectionFailedError,
    ResultUrlExpiredError,
)
from airflow_provider_ccanalytics.core.http import (
    BODY_ERRORS,
    Authenticator,
    HttpTransport,
    PageRequest,
    SkipTopPaginator,
)
from airflow_provider_ccanalytics.core.partitions import Window, iso_z
from airflow_provider_ccanalytics.core.records import typed_rows

__all__ = [
    "COMPLETED_CONTACTS",
    "CONTACT_START_FIELDS",
    "DEFAULT_ISSUER",
    "EXTRACTION_FAILURE_STATES",
    "EXTRACTION_JOBS",
    "EXTRACTION_SUCCESS_STATES",
    "KNOWN_EXTRACTION_ENTITIES",
    "REPORT_FAILURE_STATES",
    "REPORT_JOBS",
    "REPORT_SUCCESS_STATES",
    "CxoneClient",
    "CxoneSettings",
    "ExtractionJobRunningError",
    "OidcConfiguration",
    "contact_start",
    "cxone_error_mapper",
    "discover",
    "extraction_job_id",
    "job_error_message",
    "job_id_from_answer",
    "job_id_of",
    "normal_state",
    "tenant_api_endpoint",
    "tenant_id_from_jwt",
]

log = logging.getLogger("airflow_provider_ccanalytics")


@dataclass
class CxoneSettings:
    """CXone limits that are settings.

    :param top: completed contacts page size.
    :param contacts_order_by: completed contacts ``orderBy`` of a full extraction (None: sent none).
    :param create_wait_timeout: how long to wait for the tenant's running extraction job to end.
    :param poll_interval: seconds between checks while waiting.
    :param download_attempts: fresh result URLs to try when one has expired.
    """

    top: int = 10_000
    #: None: a full extraction sends no ``orderBy`` (the spec types it as a free string and names no sortable
    #: field; the old default ``contactStart asc`` names a field v34 records do not have, which a server validating
    #: ``orderBy`` refuses). Incremental runs always send ``lastUpdateTime asc``, the only ``orderBy`` public code
    #: sends to real tenants (singer-io/tap-nice-incontact ``streams.py`` ``ContactsCompleted``).
    contacts_order_by: str | None = None
    create_wait_timeout: float = 3600.0
    poll_interval: float = 15.0
    download_attempts: int = 3


class CxoneClient(CxoneReports):
    """CXone reporting and Data Extraction calls.

    :param transport: the shared request path.
    :param authenticator: the connection's token manager.
    :param issuer: the OIDC issuer, for the tenant's API base.
    :param api_url: an explicit API base (skips discovery).
    :param runtime: the connection's runtime, which caches discovery (None: this client only).
    """

    def __init__(
        self,
        transport: HttpTransport,
        authenticator: Authenticator,
        issuer: str = DEFAULT_ISSUER,
        api_url: str | None = None,
        settings: CxoneSettings | None = None,
        runtime: ConnectionRuntime | None = None,
    ) -> None:
        super().__init__(transport, authenticator, cxone_error_mapper)
        self.issuer = issuer.rstrip("/")
        self._api_url = api_url.rstrip("/") if api_url else None
        self.settings = settings or CxoneSettings()
        self.runtime = runtime or ConnectionRuntime("")

    @property
    def tenant_id(self) -> str:
        """The tenant of this connection: the ``tenantId`` claim of its access token (read once)."""

        def load() -> str:
            return tenant_id_from_jwt(self.authenticator.authorization().removeprefix("Bearer "))

        return self.runtime.discovered("tenant_id", load)

    @property
    def api_base(self) -> str:
        if self._api_url is None:
            self._api_url = tenant_api_endpoint(self.transport, self.issuer, self.tenant_id, self.runtime)
        return self._api_url

    # -- completed contacts -------------------------------------------------------------------

    def iter_completed_contacts(
        self,
        window: Window | None,
        updated_since: datetime | None = None,
        on_page: Callable[[dict[str, Any]], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Completed contacts that started in ``window``, once each (skip/top, ``_links.next``, 204 = none).

        :param window: None with ``updated_since``: every contact updated since, whatever its start (no
            ``startDate``/``endDate`` sent, as singer-io/tap-nice-incontact's ``ContactsCompleted`` asks real tenants).
        :param updated_since: only contacts updated after this instant (incremental runs).
        :param on_page: called with each page's body (``lastPollTime``: the vendor's clock and next watermark).
        """
        if window is None and updated_since is None:
            raise ValueError("iter_completed_contacts needs a window or updated_since")
        params: dict[str, Any] = (
            {} if window is None else {"startDate": iso_z(window.start), "endDate": iso_z(window.end)}
        )
        if self.settings.contacts_order_by:
            params["orderBy"] = self.settings.contacts_order_by
        if updated_since is not None:
            params["updatedSince"] = iso_z(updated_since)
            params["orderBy"] = "lastUpdateTime asc"
        request = PageRequest("GET", COMPLETED_CONTACTS, params=params)
        seen: set[Any] = set()
        pages = self.pages(
            request,
            SkipTopPaginator(self.settings.top),
            "completedContacts",
            what=f"completed contacts {window.label() if window else 'updated since ' + params['updatedSince']}",
        )
        for body, records in pages:
            if on_page is not None:
                on_page(body)
            for record in records:
                key = record.get("contactId")
                if key in seen or (window is not None and not window.contains(contact_start(record))):
                    continue
                seen.add(key)
                yield record

    # -- Data Extraction ------------------------------------------------------------------------

    def create_extraction_job(self, entity_name: str, version: str, window: Window) -> str:
        """Create a Data Extraction job, waiting while the tenant's one running job finishes.

        Never sent twice blindly (see :meth:`ApiClient.create_job`). A create whose answer was lost is looked up
        in ``GET /data-extraction/v1/jobs`` (NICE's spec, ``getAllJobs``: ``{jobs: [{id, status}]}``): the one
        job listed now that was not listed just before the create is ours, and is used. When the list is not
        available, the tenant's one-job-at-a-time rule still tells: "already running" right after such a create
        means it took effect; that job is reported (warning, stats, manifest), waited out, and ours created after.
        """
        body = {
            "entityName": entity_name,
            "version": version,
            "startDate": iso_z(window.start),
            "endDate": iso_z(window.end),
        }
        deadline = time.monotonic() + self.settings.create_wait_timeout
        lost: list[str] = []
        while True:
            known = self.extraction_job_ids()

            def find_created(known: set[str] | None = known) -> str:
                listed = self.extraction_job_ids() if known is not None else None
                new = sorted((listed or set()) - (known or set()))
                return new[0] if len(new) == 1 else ""  # one job at a time per tenant: the new one is ours

            try:
                job_id = self.create_job(
                    "POST",
                    EXTRACTION_JOBS,
                    extraction_job_id,
                    what="CXone extraction job",
                    ambiguous_failures=lost,
                    find_created=find_created,
                    json=body,
                )
                break
            except ExtractionJobRunningError:
                if time.monotonic() > deadline:
                    raise
                if lost:
                    log.warning(
                        "The tenant's running extraction job is most likely the one an earlier attempt started (%s). "
                        "Its id was lost, so it is not used: waiting for it to end, then creating this task's job",
                        lost.pop(),
                    )
                    lost.clear()
                else:
                    log.info(
                        "Another extraction job is running for this tenant; waiting %.0f s",
                        self.settings.poll_interval,
                    )
                time.sleep(self.settings.poll_interval)
        log.info("Created CXone extraction job %s (%s %s) for %s", job_id, entity_name, version, window.interval())
        return job_id

    def extraction_job_ids(self) -> set[str] | None:
        """The ids of the tenant's Data Extraction jobs (``GET /data-extraction/v1/jobs``); None when the list
        cannot be read (then a lost create answer is handled without it)."""
        try:
            body = self.call_json("GET", EXTRACTION_JOBS)
        except CcAnalyticsError as error:
            log.info("The tenant's extraction jobs could not be listed (%s)", type(error).__name__)
            return None
        jobs = body.get("jobs")
        return {job_id_of(job) for job in jobs if job_id_of(job)} if isinstance(jobs, list) else None

    def extraction_job(self, job_id: str) -> dict[str, Any]:
        """The job's ``jobStatus`` (``id``, ``status``, ``result{url, errorMessage}``); a body without the
        ``jobStatus`` wrapper is read as the status itself."""
        body = self.call_json("GET", f"{EXTRACTION_JOBS}/{job_id}")
        status = body.get("jobStatus")
        return dict(status if isinstance(status, dict) else body)

    def iter_extraction_rows(self, job_id: str) -> Iterator[dict[str, Any]]:
        """Download the job's CSV at once (no bearer token) and stream its rows, typed
        (:func:`~airflow_provider_ccanalytics.core.records.csvrows.typed_row`).

        The file is read whole (into a spooled temporary file: constant memory) before the first row is
        yielded, so a download cut off mid-body is simply fetched again; a refused (expired) URL is renewed.
        """
        failure: CcAnalyticsError | None = None
        for attempt in range(1, self.settings.download_attempts + 1):
            url = (self.extraction_job(job_id).get("result") or {}).get("url")
            if not url:
                raise ConfigurationError("job_id", f"extraction job {job_id} has no result url (not SUCCEEDED?)")
            with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
                try:
                    self._download(url, spool)
                except (ApiError, ConnectionFailedError) as error:  # pre-signed URLs live ~30 s: expired: 403
                    failure = error
                    self.transport.stats.note_retry(error)
                    log.info(
                        "Result of job %s not read (%s); asking for a fresh url (attempt %d)", job_id, error, attempt
                    )
                    continue
                spool.seek(0)
                yield from typed_rows(
                    csv.DictReader(io.TextIOWrapper(cast(Any, spool), encoding="utf-8-sig", newline=""))
                )
            return
        if isinstance(failure, ApiError) and failure.status in (400, 403):
            raise ResultUrlExpiredError(job_id, self.settings.download_attempts, failure.message) from None
        assert failure is not None
        raise failure

    def _download(self, url: str, sink: Any) -> None:
        """Copy a pre-signed file into ``sink``; a body cut off mid-read is a ConnectionFailedError."""
        response = self.transport.request("GET", url, stream=True, paced=False, ok=(200,))
        with response:
            try:
                for chunk in response.iter_content(1 << 16):
                    sink.write(chunk)
            except (requests.RequestException, *BODY_ERRORS) as error:
                raise ConnectionFailedError(
                    f"the download of {urlsplit(url).path} was cut off ({type(error).__name__})"
                ) from None

    def cancel_extraction_job(self, job_id: str) -> None:
        """Ask to cancel a running job: best effort and UNDOCUMENTED (NICE's spec has no cancel operation for Data
        Extraction; ``PUT {"status": "CANCELLED"}`` is a GUESS). Any refusal is logged, never raised: the job
        then ends or expires on its own."""
        try:
            self.call(
                "PUT", f"{EXTRACTION_JOBS}/{job_id}", json={"status": "CANCELLED"}, ok=(200, 202, 204, 404, 405, 409)
            )
        except CcAnalyticsError as error:
            log.info("CXone extraction job %s was not cancelled (undocumented call refused: %s)", job_id, error)
            return
        log.info("Asked CXone to cancel extraction job %s (undocumented call, best effort)", job_id)
