"""NICE CXone operators: completed contacts, Data Extraction and report jobs, custom reports.

What they share (the connection, the late-data margin and waiting it out) is ``_CxoneOperator`` in
:mod:`.cxone_base`; agent state history is in :mod:`.cxone_agent_states`, change capture in :mod:`.cxone_changes`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from airflow_provider_ccanalytics.core.catalog import schema_for
from airflow_provider_ccanalytics.core.cxone import CXONE_EXTRACTION_JOBS, CXONE_REPORT_JOBS
from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.partitions import PartitionStatus, Window, parse_instant
from airflow_provider_ccanalytics.core.records import conform_rows
from airflow_provider_ccanalytics.operators.base import AnalyticsOperator, seconds
from airflow_provider_ccanalytics.operators.cxone_base import _CxoneOperator
from airflow_provider_ccanalytics.operators.cxone_changes import DEFAULT_MAX_WATERMARK_AGE, ChangeCapture
from airflow_provider_ccanalytics.operators.jobs import JobOperatorMixin
from airflow_provider_ccanalytics.operators.spool import merged_source
from airflow_provider_ccanalytics.outputs import partition_path, read_manifest

#: how much longer than the settle time a contact may take to appear (long contacts end after their window)
CXONE_LOOKBACK_MARGIN = timedelta(hours=1)


class CxoneCompletedContactsOperator(_CxoneOperator):
    """Completed contacts that started in the window, once each (skip/top paging, ``_links.next``).

    :param nice_cxone_conn_id: the NICE CXone connection.
    :param start: window start (templated; default: the run's data interval).
    :param end: window end (templated; default: the run's data interval).
    :param output: None for XCom, or a URI / ObjectStoragePath (templated).
    :param late_data_margin: wait this long after the window's end (default 30 minutes).
    :param lookback: also re-extract the partitions overlapping this long before the window (templated;
        ``"auto"`` (default): ``longest_contact`` + ``late_data_margin`` + 1 hour, so a contact is written
        however long it lasted; with ``settle=True`` only ``late_data_margin`` + 1 hour, the settle pass
        then writes the long contacts; None: off).
    :param mode: ``full`` (default): every partition is extracted in full; ``incremental``: a partition
        written before only fetches the contacts updated since its manifest's ``watermark`` (the vendor's
        ``lastPollTime``, as ``updatedSince``) and merges them in by ``contactId`` (needs file output).
        ``changes``: every contact updated since the connection's watermark (an Airflow Variable), whatever its
        start, merged into the partition of its own start (see :mod:`.cxone_changes` and the README).
    :param max_watermark_age: ``changes``: an older watermark re-extracts the partitions it covers in full
        (default 7 days, a GUESS: NICE publishes no limit for ``updatedSince``).
    :param watermark_variable: ``changes``: the Variable holding the watermark (default ``ccanalytics_cdc_<conn id>``).
    :param longest_contact: the longest contact you accept (default 24 hours); with ``late_data_margin`` it is
        the default settle horizon (a partition is ``settled`` once its window ended that long ago).
    """

    template_fields: Sequence[str] = (*AnalyticsOperator.template_fields, "lookback")
    dataset = "completed_contacts"
    MODES = ("full", "incremental", "changes")
    supports_settle = True

    def __init__(
        self,
        *,
        lookback: Any = "auto",
        mode: str = "full",
        longest_contact: timedelta | float = timedelta(hours=24),
        max_watermark_age: timedelta | float = DEFAULT_MAX_WATERMARK_AGE,
        watermark_variable: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_watermark_age = timedelta(seconds=seconds(max_watermark_age))
        self.watermark_variable = watermark_variable
        if mode not in self.MODES:
            raise ConfigurationError("mode", f"{mode!r} is not one of {self.MODES}")
        self.lookback = lookback
        self.mode = mode
        self.longest_contact = seconds(longest_contact)

    def default_settle_horizon(self) -> timedelta | None:
        """The longest contact accepted plus the settle time: a contact is written once it has ended and
        settled, so its start's partition changes no more after that (GUESS: NICE documents no reprocessing)."""
        return timedelta(seconds=self.longest_contact + self.late_data_margin)

    def lookback_delta(self) -> timedelta | None:
        """``"auto"``: long enough for the longest contact (``longest_contact`` + ``late_data_margin`` + 1 h);
        with the settle pass, which re-extracts each partition once the longest contact has settled, only
        ``late_data_margin`` + 1 h."""
        if self.lookback == "auto":
            short = timedelta(seconds=self.late_data_margin) + CXONE_LOOKBACK_MARGIN
            return short if self.settle else short + timedelta(seconds=self.longest_contact)
        return super().lookback_delta()

    def extract(self, context: Any, window: Window) -> Any:
        if self.mode == "changes":
            return ChangeCapture(self).run(window)
        client = self.hook.client

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            if self.mode == "incremental" and self.destination not in (None, ""):
                merged = self._merged_source(unit, status)
                if merged is not None:
                    return [merged]
            return [lambda: client.iter_completed_contacts(unit, on_page=self._vendor_clock(status))]

        return self.deliver(window, sources, {"endpoint": "contacts/completed", "mode": self.mode})

    def _merged_source(self, unit: Window, status: PartitionStatus) -> Any:
        """The partition's earlier records merged with the contacts updated since its watermark (None: none)."""
        folder = partition_path(
            self.destination, self.vendor, self.dataset, unit, self.output_conn_id, self.partition_scope()
        )
        previous = read_manifest(folder)
        if not previous or not previous.get("watermark"):
            return None
        since = parse_instant(previous["watermark"], "watermark")
        status.watermark = since  # kept when no page answers (nothing changed)
        changed = self.hook.client.iter_completed_contacts(
            unit, updated_since=since, on_page=self._vendor_clock(status)
        )
        return merged_source(folder, changed, key="contactId")

    @staticmethod
    def _vendor_clock(status: PartitionStatus) -> Callable[[dict[str, Any]], None]:
        return lambda body: status.saw_vendor_time(body.get("lastPollTime"))


class CxoneDataExtractionOperator(JobOperatorMixin, _CxoneOperator):
    """A Data Extraction job for the window: create, wait (deferrable), download the CSV at once, write rows.

    Waits (never fails) while the tenant's one running job finishes and while creation is
    throttled (CXone answers both with 403 or 409/429). An expired result URL is renewed by polling
    again. Rows are typed (:func:`~airflow_provider_ccanalytics.core.records.csvrows.typed_row`). ``on_kill``
    and a failed job cancel the remote job.

    :param entity_name: the extracted entity (templated, required), e.g. ``recording-interaction-metadata``
        or ``qm-workflows``; see ``KNOWN_EXTRACTION_ENTITIES``. There is no ``completed-contacts`` entity:
        use :class:`CxoneCompletedContactsOperator` for contacts.
    :param version: the entity version (templated, required), e.g. ``7`` for ``recording-interaction-metadata``.
    :param poll_interval: seconds between job status checks.
    :param job_timeout: seconds to wait for the job.
    """

    template_fields: Sequence[str] = (*AnalyticsOperator.template_fields, "entity_name", "version")
    job_type = CXONE_EXTRACTION_JOBS
    dataset = "data_extraction"

    def __init__(
        self,
        *,
        entity_name: str,
        version: str,
        poll_interval: timedelta | float = 30.0,
        job_timeout: timedelta | float | None = 6 * 3600,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for name, value in (("entity_name", entity_name), ("version", version)):
            if value in (None, ""):
                raise ConfigurationError(name, f"{name} is required (CXone documents no default); see the README")
        self.entity_name = entity_name
        self.version = str(version)
        self.poll_interval = seconds(poll_interval)
        self.job_timeout = None if job_timeout is None else seconds(job_timeout)

    def extract(self, context: Any, window: Window) -> Any:
        return self.start_job(window, entity_name=self.entity_name, version=self.version)

    def collect(self, window: Window) -> Any:
        job_id = self.job_id
        assert job_id is not None
        client = self.hook.client
        schema = schema_for(self.dataset)  # declared columns typed (booleans, numbers, timestamps)
        return self.deliver(
            window,
            [lambda: conform_rows(self.job_type.results(client, job_id, window), schema)],
            {
                "endpoint": "data-extraction",
                "entity": self.entity_name,
                "version": self.version,
                "job_id": job_id,
            },
        )


class CxoneReportJobOperator(JobOperatorMixin, _CxoneOperator):
    """A custom report (report job) for the window: start, wait (deferrable), download its CSV, write rows.

    :param report_id: the custom report's id in CXone (templated).
    :param file_type: the report file type (``CSV``).
    :param poll_interval: seconds between job status checks.
    :param job_timeout: seconds to wait for the job.
    """

    template_fields: Sequence[str] = (*AnalyticsOperator.template_fields, "report_id")
    job_type = CXONE_REPORT_JOBS
    dataset = "report"

    def __init__(
        self,
        *,
        report_id: str,
        file_type: str = "CSV",
        poll_interval: timedelta | float = 30.0,
        job_timeout: timedelta | float | None = 6 * 3600,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.report_id = report_id
        self.file_type = file_type
        self.poll_interval = seconds(poll_interval)
        self.job_timeout = None if job_timeout is None else seconds(job_timeout)

    def extract(self, context: Any, window: Window) -> Any:
        return self.start_job(window, report_id=str(self.report_id), file_type=self.file_type)

    def collect(self, window: Window) -> Any:
        self.dataset = f"report_{self.report_id}"  # each report its own partitions (the id as rendered)
        job_id = self.job_id
        assert job_id is not None
        client = self.hook.client
        schema = schema_for(self.dataset)  # a report's schema is declared with register_schema("report_<id>", ...)
        return self.deliver(
            window,
            [lambda: conform_rows(self.job_type.results(client, job_id, window), schema)],
            {"endpoint": "report-jobs", "report_id": str(self.report_id), "job_id": job_id},
        )


class CxoneCustomReportOperator(_CxoneOperator):
    """A custom report's rows for the window through NICE's synchronous data download (``POST
    /report-jobs/datadownload/{reportId}``): one call per partition, no job to wait for; a day without data
    (204) is an empty partition. Written to ``{output}/cxone/report_<id>/``, typed like report-job rows.

    :param report_id: the custom report's id in CXone (templated).
    """

    template_fields: Sequence[str] = (*AnalyticsOperator.template_fields, "report_id")
    dataset = "report"

    def __init__(self, *, report_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if report_id in (None, ""):
            raise ConfigurationError("report_id", "the custom report's id in CXone is required")
        self.report_id = report_id

    def extract(self, context: Any, window: Window) -> Any:
        self.dataset = f"report_{self.report_id}"  # each report its own partitions (the id as rendered)
        client, report_id = self.hook.client, str(self.report_id)
        schema = schema_for(self.dataset)  # declared with register_schema("report_<id>", ...), else none

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            return [lambda: conform_rows(client.iter_report_download(report_id, unit), schema)]

        return self.deliver(window, sources, {"endpoint": "report-jobs/datadownload", "report_id": report_id})
