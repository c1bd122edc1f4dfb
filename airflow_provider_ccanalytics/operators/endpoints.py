"""Operators driven by an endpoint declaration (:mod:`airflow_provider_ccanalytics.core.catalog`).

:class:`EndpointOperator` reads any declared endpoint: a ``snapshot`` endpoint (a dimension list) becomes one
``snapshot_date=YYYY-MM-DD`` partition per run, a windowed one (a reporting summary) one ``interval_start=``
partition per grain unit, through the same output contract as the other operators. The vendor operators below
only name the endpoint and the connection.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from airflow_provider_ccanalytics.core.catalog import endpoint_named
from airflow_provider_ccanalytics.core.datasets import PARTITION_KINDS, Endpoint, iter_endpoint
from airflow_provider_ccanalytics.core.errors import ConfigurationError, RequestBudgetExhausted
from airflow_provider_ccanalytics.core.http import mapping_argument
from airflow_provider_ccanalytics.core.partitions import PartitionStatus, SnapshotDate, Window, iso_z, parse_instant
from airflow_provider_ccanalytics.core.records import CredentialFilter, names_setting
from airflow_provider_ccanalytics.hooks.base import CcAnalyticsHook
from airflow_provider_ccanalytics.hooks.cxone import NiceCxoneHook
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.operators.base import AnalyticsOperator, resolve_window
from airflow_provider_ccanalytics.operators.budget import Checkpoint, checkpoint_variable, request_budget, spent
from airflow_provider_ccanalytics.operators.cxone import _CxoneOperator
from airflow_provider_ccanalytics.operators.partitions import current_context
from airflow_provider_ccanalytics.operators.runs import emit_asset_events
from airflow_provider_ccanalytics.operators.spool import merged_source
from airflow_provider_ccanalytics.outputs import collect_for_xcom, partition_path, read_manifest, write_partition

HOOKS: dict[str, type[CcAnalyticsHook]] = {"genesys": GenesysCloudHook, "cxone": NiceCxoneHook}


class EndpointOperator(AnalyticsOperator):
    """Any declared endpoint, by ``vendor`` and ``dataset``: the generic path every endpoint operator takes.

    :param vendor: ``genesys`` or ``cxone``.
    :param dataset: the declared dataset (``queues``, ``skills_summary``...; see the README's endpoint table).
    :param conn_id: the vendor connection (default: the vendor's default connection).
    :param options: values of the endpoint's declared options, sent as query parameters (templated).
    :param page_size: the page size (default: the connection's ``page_size`` setting, else the declaration's).
    :param snapshot_date: snapshot endpoints: the partition's date, ``YYYY-MM-DD`` (templated; default: the
        UTC date of the run's data interval start, i.e. ``{{ ds }}``; without a data interval, today).
    :param start: windowed endpoints: window start (templated; default: the run's data interval).
    :param end: windowed endpoints: window end (templated).
    :param output: None for XCom, or a URI / ObjectStoragePath (templated).
    :param output_format: ``jsonl.gz`` or ``parquet`` (typed by the declaration's schema).
    :param max_requests: the most HTTP requests this task may send (see :mod:`.budget`). Reached, the task
        succeeds without committing the partition it was extracting (partitions committed before stand), records
        that partition in its checkpoint Variable, and the next run extracts it anew (a list cannot be resumed
        mid-way: it may change between runs).
    """

    template_fields: Sequence[str] = (*AnalyticsOperator.template_fields, "snapshot_date", "options")
    template_fields_renderers = {"options": "json"}
    #: the partition kinds this operator takes (the vendor operators narrow it)
    partition_kinds: tuple[str, ...] = PARTITION_KINDS
    honours_max_requests = True

    def __init__(
        self,
        *,
        vendor: str,
        dataset: str,
        conn_id: str | None = None,
        options: Mapping[str, Any] | None = None,
        page_size: int | None = None,
        snapshot_date: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if vendor not in HOOKS:
            raise ConfigurationError("vendor", f"{vendor!r} is not one of {sorted(HOOKS)}")
        self.vendor = vendor
        self.dataset = dataset
        endpoint = self.endpoint  # a ConfigurationError naming the declared datasets when there is none
        self.schema_name = endpoint.name
        self.conn_id = conn_id or HOOKS[vendor].default_conn_name
        self.options = options if isinstance(options, str) else mapping_argument(options, "options")
        if not isinstance(self.options, str):
            endpoint.request(None, self.options)  # refuses options the endpoint does not take
        if page_size is not None and int(page_size) < 1:
            raise ConfigurationError("page_size", "must be a positive number of records")
        self.page_size = page_size
        self.snapshot_date = snapshot_date
        if self.output_format == "delta":
            raise ConfigurationError("output_format", f"{endpoint.name} writes jsonl.gz or parquet partitions")
        if self.layout != "records":
            raise ConfigurationError("layout", f"{endpoint.name} has no tables layout; use layout='records'")

    @property
    def endpoint(self) -> Endpoint:
        """The declaration (looked up by name, so a declaration registered at run time is found)."""
        return endpoint_named(self.vendor, self.dataset, self.partition_kinds)

    @cached_property
    def hook(self) -> CcAnalyticsHook:
        return HOOKS[self.vendor](self.conn_id)

    def get_hook(self) -> CcAnalyticsHook:
        return self.hook

    @property
    def api_client(self) -> Any:
        """The hook's authenticated client (each vendor hook keeps one as ``client``)."""
        return getattr(self.hook, "client")  # noqa: B009 (the base hook declares no client)

    def effective_page_size(self) -> int:
        endpoint = self.endpoint
        if self.page_size is not None:
            return int(self.page_size)
        if "page_size" in endpoint.settings:
            return int(self.hook.setting("page_size", endpoint.page_size))
        return endpoint.page_size

    def execute(self, context: Any) -> Any:
        self.options = mapping_argument(self.options, "options")  # as rendered
        transport = self.hook.transport
        before = transport.stats.requests
        windowed = self.endpoint.windowed
        where = self.window(context).label() if windowed else self.snapshot_day(context).label()
        try:
            with request_budget(transport, self.max_requests):
                return self.extract(context, self.window(context)) if windowed else self.snapshot(context)
        except RequestBudgetExhausted:
            used = spent(transport, before)
            name = checkpoint_variable(context, self.task_id)
            saved = Checkpoint(name).save(
                dataset=self.endpoint.name, stopped_in=where, requests=used, max_requests=self.max_requests
            )
            self.log.warning(
                "%s %s: budget of %d requests reached (%d sent) before the partition was complete; it was not "
                "committed. Checkpoint in Variable %s; the next run extracts %s anew",
                self.endpoint.name,
                where,
                self.max_requests,
                used,
                name,
                where,
            )
            return {"budget_reached": True, "checkpoint": {"variable": name, **saved}}

    # -- windowed endpoints (summaries): the window/output contract of the other operators -------------

    def extract(self, context: Any, window: Window) -> Any:
        endpoint, client, size = self.endpoint, self.api_client, self.effective_page_size()

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            return [lambda: iter_endpoint(client, endpoint, unit, options=self.options, page_size=size)]

        return self.deliver(window, sources, {"endpoint": endpoint.path, **self.options})

    # -- snapshot endpoints (dimensions): one dated partition per run ------------------------------------

    def snapshot_day(self, context: Any) -> SnapshotDate:
        """This run's snapshot date: ``snapshot_date``, else the data interval's start date, else today (UTC)."""
        if self.snapshot_date not in (None, ""):
            return SnapshotDate.of(self.snapshot_date)
        try:
            return SnapshotDate.of(resolve_window(self.start, self.end, context or {}).start)
        except ConfigurationError:
            logical = (context or {}).get("logical_date")
            return SnapshotDate.of(logical) if logical else SnapshotDate.of(datetime.now(timezone.utc))

    def snapshot(self, context: Any) -> Any:
        endpoint, client, size = self.endpoint, self.api_client, self.effective_page_size()
        day = self.snapshot_day(context)
        stats = self.hook.transport.stats
        before, started = stats.snapshot()["requests"], time.monotonic()

        # credential-like fields (NICE's agents carry `apiKey`) never reach the snapshot nor the log
        credentials = CredentialFilter(names_setting(self.hook.extras.get("credential_fields")))

        def source() -> Any:
            return (
                credentials.clean(row) for row in iter_endpoint(client, endpoint, options=self.options, page_size=size)
            )

        if self.destination in (None, ""):
            records = collect_for_xcom([source], self.max_xcom_records)
            self.log.info("%s snapshot %s: %d records to XCom", endpoint.name, day.label(), len(records))
            if credentials.dropped:
                self.log.info("%s: dropped credential-like fields %s", endpoint.name, sorted(credentials.dropped))
            return records
        query = {"endpoint": endpoint.path, **self.options, "page_size": size}
        manifest = write_partition(
            self.destination,
            vendor=self.vendor,
            dataset=self.dataset,
            window=day,
            sources=[source],
            output_format=self.output_format,
            layout="records",
            conn_id=self.output_conn_id,
            schema_name=endpoint.name,
            scope=self.hook.partition_scope(),
            manifest_extra=lambda: {"query": query, "available": True, "settled": True, "complete": True},
        )
        self.log.info(
            "%s snapshot %s: %d records in %.1f s, %d requests",
            endpoint.name,
            day.label(),
            manifest["record_count"],
            time.monotonic() - started,
            stats.snapshot()["requests"] - before,
        )
        if credentials.dropped:
            self.log.info("%s: dropped credential-like fields %s", endpoint.name, sorted(credentials.dropped))
        self.written_outputs = [manifest]
        event = {**manifest, "partition_key": day.label(), "window": {"snapshot_date": day.label()}}
        emit_asset_events(current_context(), self.outlets or [], [event], self.partitioned_asset_events)
        return manifest


class GenesysEntitiesOperator(EndpointOperator):
    """A dated snapshot of one Genesys Cloud platform list (users, queues, wrap-up codes, divisions...).

    Writes every entity once to ``{output}/genesys/{entity}/snapshot_date=YYYY-MM-DD/``; a rerun replaces
    only its own date. Pages with ``pageSize``/``pageNumber``, following ``nextUri``.

    :param entity: ``users``, ``queues``, ``wrapupcodes``, ``divisions``, ``skills``, ``languages`` or ``flows``.
    :param genesys_cloud_conn_id: the Genesys Cloud connection.
    :param expand: users: what to expand, e.g. ``["skills", "groups"]`` (``division`` is always in a user).
    :param options: more declared query parameters, e.g. users ``{"state": "active"}`` (default ``any``).
    :param snapshot_date: the partition's date (templated; default ``{{ ds }}``: the data interval's start date).
    """

    partition_kinds = ("snapshot",)

    def __init__(
        self,
        *,
        entity: str,
        genesys_cloud_conn_id: str = GenesysCloudHook.default_conn_name,
        expand: Sequence[str] | str | None = None,
        options: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        more = {**(options or {}), **({"expand": expand} if expand else {})}
        super().__init__(vendor="genesys", dataset=entity, conn_id=genesys_cloud_conn_id, options=more, **kwargs)
        self.entity = entity
        self.genesys_cloud_conn_id = genesys_cloud_conn_id


class CxoneEntitiesOperator(EndpointOperator):
    """A dated snapshot of one NICE CXone admin list: ``agents``, ``skills`` or ``teams`` (skip/top paging).

    :param entity: ``agents``, ``skills`` or ``teams``.
    :param nice_cxone_conn_id: the NICE CXone connection.
    :param snapshot_date: the partition's date (templated; default ``{{ ds }}``).
    """

    partition_kinds = ("snapshot",)

    def __init__(self, *, entity: str, nice_cxone_conn_id: str = NiceCxoneHook.default_conn_name, **kwargs: Any):
        super().__init__(vendor="cxone", dataset=entity, conn_id=nice_cxone_conn_id, **kwargs)
        self.entity = entity
        self.nice_cxone_conn_id = nice_cxone_conn_id


def report_dataset(report: str) -> str:
    """``skills/summary`` (the path) or ``skills_summary`` (the dataset) as the dataset name."""
    return report.strip("/").replace("/", "_").replace("-", "_")


class CxoneReportingOperator(EndpointOperator, _CxoneOperator):
    """A NICE CXone reporting summary of the window (``startDate``/``endDate``), one ``interval_start=``
    partition per grain unit, after the late-data margin like completed contacts.

    :param report: ``skills/summary``, ``skills/sla-summary`` or ``teams/performance-total`` (or the dataset
        names ``skills_summary``...).
    :param nice_cxone_conn_id: the NICE CXone connection.
    :param late_data_margin: how long after the window's end its contacts are complete (30 min).
    :param start: window start (templated; default: the run's data interval).
    :param end: window end (templated).
    """

    partition_kinds = ("queried_window",)
    execute = _CxoneOperator.execute  # wait out the late-data margin, then extract()
    honours_max_requests = False  # its execute is the margin wait's, not the budgeted one

    def __init__(self, *, report: str, nice_cxone_conn_id: str = NiceCxoneHook.default_conn_name, **kwargs: Any):
        super().__init__(
            vendor="cxone",
            dataset=report_dataset(report),
            conn_id=nice_cxone_conn_id,
            nice_cxone_conn_id=nice_cxone_conn_id,
            **kwargs,
        )
        self.report = report

    @cached_property
    def hook(self) -> NiceCxoneHook:
        return NiceCxoneHook(self.nice_cxone_conn_id)

    def extract(self, context: Any, window: Window) -> Any:
        self.options = mapping_argument(self.options, "options")
        return super().extract(context, window)


class CxoneAgentStateHistoryOperator(EndpointOperator, _CxoneOperator):
    """NICE CXone agent state history (``GET /agents/state-history``, all agents): every state that started in
    the window, one ``interval_start=`` partition per grain unit (each state in the unit of its ``startDate``),
    after the late-data margin like completed contacts. CXone's equivalent of Genesys agent activity.

    :param nice_cxone_conn_id: the NICE CXone connection.
    :param late_data_margin: how long after the window's end its states are complete (30 min).
    :param mode: ``full`` (default): every partition is extracted in full; ``incremental``: a partition written
        before only fetches the states changed since its manifest's ``watermark`` (the vendor's
        ``lastPollTime``, as ``updatedSince``) and merges them in by (``agentId``, ``startDate``,
        ``stateIndex``) (needs file output).
    :param start: window start (templated; default: the run's data interval).
    :param end: window end (templated).
    """

    partition_kinds = ("by_time",)
    execute = _CxoneOperator.execute  # wait out the late-data margin, then extract()
    honours_max_requests = False  # its execute is the margin wait's, not the budgeted one
    MODES = ("full", "incremental")

    def __init__(
        self, *, nice_cxone_conn_id: str = NiceCxoneHook.default_conn_name, mode: str = "full", **kwargs: Any
    ) -> None:
        super().__init__(
            vendor="cxone",
            dataset="agent_state_history",
            conn_id=nice_cxone_conn_id,
            nice_cxone_conn_id=nice_cxone_conn_id,
            **kwargs,
        )
        if mode not in self.MODES:
            raise ConfigurationError("mode", f"{mode!r} is not one of {self.MODES}")
        self.mode = mode

    @cached_property
    def hook(self) -> NiceCxoneHook:
        return NiceCxoneHook(self.nice_cxone_conn_id)

    def states(self, unit: Window, status: PartitionStatus, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """The unit's states (changed since ``since``, when given); each page's ``lastPollTime`` is the
        partition's next watermark."""
        endpoint, client = self.endpoint, self.api_client
        request = endpoint.request(unit, self.options)
        if since is not None:
            request.params["updatedSince"] = iso_z(since)
        pages = client.pages(
            request,
            endpoint.paginator(self.effective_page_size()),
            endpoint.records_key,
            what=f"{endpoint.name} {unit.label()}",
        )
        for body, records in pages:
            status.saw_vendor_time(body.get("lastPollTime"))
            for record in records:
                yield from (row for row in endpoint.to_rows(record) if endpoint.in_window(row, unit))

    def extract(self, context: Any, window: Window) -> Any:
        self.options = mapping_argument(self.options, "options")

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            if self.mode == "incremental" and self.destination not in (None, ""):
                folder = partition_path(
                    self.destination, self.vendor, self.dataset, unit, self.output_conn_id, self.partition_scope()
                )
                previous = read_manifest(folder)
                if previous and previous.get("watermark"):
                    since = parse_instant(previous["watermark"], "watermark")
                    status.watermark = since  # kept when no page answers (nothing changed)
                    return [merged_source(folder, self.states(unit, status, since), key=STATE_KEY)]
            return [lambda: self.states(unit, status)]

        endpoint = self.endpoint
        return self.deliver(window, sources, {"endpoint": endpoint.path, "mode": self.mode, **self.options})


#: a state's identity in a partition (what an incremental run merges by)
STATE_KEY = ("agentId", "startDate", "stateIndex")
