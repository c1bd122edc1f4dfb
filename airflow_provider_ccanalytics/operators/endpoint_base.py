"""The operator every endpoint declaration (:mod:`airflow_provider_ccanalytics.core.catalog`) runs through.

:class:`EndpointOperator` reads any declared endpoint: a ``snapshot`` endpoint (a dimension list) becomes one
``snapshot_date=YYYY-MM-DD`` partition per run, a windowed one (a reporting summary) one ``interval_start=``
partition per grain unit, through the same output contract as the other operators. The vendor operators
(``operators.endpoints``, ``operators.cxone_agent_states``) only name the endpoint and the connection; import
it from ``operators.endpoints``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from airflow_provider_ccanalytics.core.catalog import endpoint_named
from airflow_provider_ccanalytics.core.datasets import PARTITION_KINDS, Endpoint, iter_endpoint
from airflow_provider_ccanalytics.core.errors import ConfigurationError, RequestBudgetExhausted
from airflow_provider_ccanalytics.core.http import mapping_argument
from airflow_provider_ccanalytics.core.partitions import PartitionStatus, SnapshotDate, Window
from airflow_provider_ccanalytics.core.records import CredentialFilter, names_setting
from airflow_provider_ccanalytics.hooks.base import CcAnalyticsHook
from airflow_provider_ccanalytics.hooks.cxone import NiceCxoneHook
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.operators.base import AnalyticsOperator, resolve_window
from airflow_provider_ccanalytics.operators.budget import Checkpoint, checkpoint_variable, request_budget, spent
from airflow_provider_ccanalytics.operators.partitions import current_context
from airflow_provider_ccanalytics.operators.runs import emit_asset_events
from airflow_provider_ccanalytics.outputs import collect_for_xcom, write_partition

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
