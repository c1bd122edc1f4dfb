"""Writing a run's records as partitions: grain units, lookback and the settle pass, the flags, asset events.

A partition is ``available`` once the vendor indexed its window and ``settled`` once its window ended the
dataset's settle horizon before the vendor's clock/watermark at its extraction (see
:mod:`~airflow_provider_ccanalytics.core.partitions.completeness`). The settle pass (``settle=True``)
re-extracts the few partitions whose horizon passed since and that are not settled yet (one per run for a
daily DAG); lookback skips settled partitions unless ``force_lookback``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import TYPE_CHECKING, Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.partitions import PartitionPlan, PartitionStatus, Window, iso_z, parse_lookback
from airflow_provider_ccanalytics.operators.runs import emit_asset_events
from airflow_provider_ccanalytics.operators.settling import Settling
from airflow_provider_ccanalytics.outputs import RecordSource, collect_for_xcom, write_partition
from airflow_provider_ccanalytics.outputs.formats import check_output_options

if TYPE_CHECKING:
    from airflow_provider_ccanalytics.hooks.base import CcAnalyticsHook

#: Windows longer than this many grain units get a warning with the estimated request count.
LARGE_RUN_UNITS = {"day": 100, "hour": 24 * 100}
Sources = Sequence[RecordSource] | Callable[[Window, PartitionStatus], Sequence[RecordSource]]


class PartitionedOutput(Settling):
    """Mixed into the analytics operators: deliver records to XCom, or as one partition per grain unit."""

    log: Any
    outlets: Any
    vendor: str
    dataset: str
    destination: Any
    output_conn_id: str | None
    output_format: str
    layout: str = "records"
    grain: str
    max_xcom_records: int
    max_workers: int
    partitioned_asset_events: bool
    #: re-extract earlier partitions (set by operators that take ``lookback``)
    lookback: Any = None
    #: the declared schema of typed output when it is not ``dataset``'s (declared endpoints: ``vendor.dataset``)
    schema_name: str | None = None
    #: what the last run wrote: its partitions' summaries, or the Delta table's (OpenLineage outputs, see .lineage)
    written_outputs: Sequence[dict[str, Any]] = ()

    def get_hook(self) -> CcAnalyticsHook:
        raise NotImplementedError

    def partition_scope(self) -> str:
        """The org / tenant folder of this connection's partitions (``org=<id>``), discovered once per connection."""
        return self.get_hook().partition_scope()

    def lookback_delta(self) -> timedelta | None:
        """The lookback as a duration (None: off)."""
        return parse_lookback(self.lookback)

    def lookback_for(self, context: Any) -> timedelta | None:
        """This run's lookback: none in backfill runs (a backfill extracts those partitions anyway)."""
        delta = self.lookback_delta()
        run_type = getattr((context or {}).get("dag_run"), "run_type", None)
        if delta and getattr(run_type, "value", run_type) == "backfill":
            self.log.info("Backfill run: no lookback (the backfill extracts the earlier partitions itself)")
            return None
        return delta

    def partition_status(self, unit: Window) -> PartitionStatus:
        """A fresh completeness record for one partition (vendors add their watermark)."""
        return PartitionStatus(unit, datetime.now(timezone.utc), settle_horizon=self.settle_horizon_delta())

    def deliver(self, window: Window, sources: Sources, query: dict[str, Any] | None = None) -> Any:
        """Send the records to XCom, or write one partition per grain unit (and lookback unit) to storage.

        :param sources: the record sources of the whole window, or a callable giving those of one partition
            (needed for windows of several partitions and for lookback).
        :returns: the records (XCom), or a summary of the partitions written.
        """
        stats = self.get_hook().transport.stats
        context = current_context()
        # again after templating: an output template can render to nothing (XCom)
        check_output_options(self.output_format, self.layout, self.destination in (None, ""))
        if self.destination in (None, ""):
            started, before = time.monotonic(), stats.snapshot()
            status = self.partition_status(window)
            records = collect_for_xcom(
                sources if not callable(sources) else sources(window, status), self.max_xcom_records
            )
            if self.lookback_delta():
                self.log.info("lookback applies to partitions in storage; to XCom only %s is returned", window.label())
            self.log.info(
                "%d records for %s to XCom in %.1f s; API: %s",
                len(records),
                window.interval(),
                time.monotonic() - started,
                _api_delta(stats, before),
            )
            return records
        plan = PartitionPlan.of(window, self.grain, self.lookback_for(context))
        if self.output_format == "delta":
            return self._write_delta(window, plan, sources)
        if not callable(sources) and len(plan.all) > 1:
            raise ConfigurationError(
                "start", f"{type(self).__name__} writes one partition per run: give a window of one {self.grain}"
            )
        self._warn_if_large(plan)
        self.prepare_partitions(plan)
        if self.settle and not (callable(sources) and self.supports_settle):
            raise ConfigurationError(
                "settle", f"{type(self).__name__} cannot run the settle pass: use a lookback reaching the horizon"
            )
        plan = self.refine_plan(plan)
        self.log.info("Writing %s", plan.describe())
        # the run's own partitions first: a failing lookback partition does not hold back this run's data
        written = [
            self._write_one(unit, unit not in plan.own, sources, query, settle_pass=unit in plan.settle)
            for unit in [*plan.own, *plan.lookback, *plan.settle]
        ]
        manifests = sorted(written, key=lambda manifest: str(manifest["partition_key"]))
        own = [manifest for manifest in manifests if not manifest["lookback"]]
        self.written_outputs = manifests
        emit_asset_events(context, self.outlets or [], manifests, self.partitioned_asset_events)
        return {
            "window": {"start": iso_z(window.start), "end": iso_z(window.end)},
            "record_count": sum(manifest["record_count"] for manifest in own),
            "available": all(manifest["available"] for manifest in own),
            "settled": all(manifest["settled"] for manifest in own),
            "complete": all(manifest["available"] for manifest in own),  # deprecated alias of "available"
            "uri": own[0]["uri"] if len(own) == 1 else None,
            "partitions": [
                {key: manifest[key] for key in SUMMARY_KEYS if key in manifest or key not in OPTIONAL_KEYS}
                for manifest in manifests
            ],
        }

    def _write_delta(self, window: Window, plan: PartitionPlan, sources: Sources) -> Any:
        """All partitions of the run (own and lookback) replaced in the dataset's Delta table in one commit."""
        from airflow_provider_ccanalytics.outputs.delta import table_uri, write_delta

        if not callable(sources) and len(plan.all) > 1:
            raise ConfigurationError(
                "start", f"{type(self).__name__} writes one partition per run: give a window of one {self.grain}"
            )
        statuses = {unit: self.partition_status(unit) for unit in plan.all}
        self.prepare_partitions(plan)

        def unit_sources(unit: Window) -> list[RecordSource]:
            status = statuses[unit]
            found = sources(unit, status) if callable(sources) else sources
            return [partial(_watched, status, source) for source in found]

        uri = table_uri(self.destination, self.vendor, self.dataset)
        result = write_delta(
            uri,
            dataset=self.dataset,
            units=[*plan.own, *plan.lookback],
            sources=unit_sources,
            storage_options=delta_storage_options(uri, self.output_conn_id),
            scope=self.partition_scope(),
        )
        self.written_outputs = [{**result, "format": "delta"}]
        own = [unit.label() for unit in plan.own]
        return {
            "window": {"start": iso_z(window.start), "end": iso_z(window.end)},
            "record_count": sum(result["partitions"][label] for label in own),
            "available": all(statuses[unit].available for unit in plan.own),
            "settled": all(statuses[unit].settled for unit in plan.own),
            "complete": all(statuses[unit].available for unit in plan.own),  # deprecated alias of "available"
            **{key: result[key] for key in ("uri", "version", "partitions", "extra_fields")},
        }

    def _write_one(
        self, unit: Window, lookback: bool, sources: Sources, query: dict[str, Any] | None, settle_pass: bool = False
    ) -> Any:
        started, stats = time.monotonic(), self.get_hook().transport.stats
        before = stats.snapshot()
        status = self.partition_status(unit)
        unit_sources = sources(unit, status) if callable(sources) else sources
        manifest = write_partition(
            self.destination,
            vendor=self.vendor,
            dataset=self.dataset,
            window=unit,
            sources=[partial(_watched, status, source) for source in unit_sources],
            output_format=self.output_format,
            layout=self.layout,
            max_workers=self.max_workers,
            conn_id=self.output_conn_id,
            schema_name=self.schema_name,
            scope=self.partition_scope(),
            # evaluated once the parts are written, so the retries and open records of this extraction are in it
            manifest_extra=lambda: {
                "query": query or {},
                "retried_failures": _api_delta(stats, before)["retried_failures"],
                "grain": self.grain,
                "lookback": lookback,
                "settle_pass": settle_pass,
                **status.fields(),
            },
        )
        self.log.info(
            "%s partition %s: %d records, available=%s, settled=%s, in %.1f s; API: %s",
            "Settle pass" if settle_pass else "Lookback" if lookback else "Run's",
            unit.label(),
            manifest["record_count"],
            manifest.get("available"),
            manifest.get("settled"),
            time.monotonic() - started,
            _api_delta(stats, before),
        )
        if manifest.get("superseded"):
            self.log.warning("Partition %s was committed by another writer first: its output stands", unit.label())
        # this run's role, even when another writer's commit won (its manifest says its own role)
        return {**manifest, "partition_key": unit.label(), "lookback": lookback}

    def _warn_if_large(self, plan: PartitionPlan) -> None:
        warning = self.large_run_warning(plan)
        if warning:
            self.log.warning("%s", warning)

    def large_run_warning(self, plan: PartitionPlan) -> str | None:
        """The warning for a run over hundreds of days, with its estimated request count (None: not large)."""
        if len(plan.own) <= LARGE_RUN_UNITS[self.grain]:
            return None
        return (
            f"This run covers {len(plan.all)} {self.grain} partitions ({plan.span.interval()}): about "
            f"{self.estimated_requests(plan)} requests at least. Split long backfills into shorter runs "
            f"(one per {self.grain}) so that a failure does not redo them all"
        )

    def estimated_requests(self, plan: PartitionPlan) -> int:
        """A lower bound of the requests a run makes (one per partition; vendors refine it)."""
        return len(plan.all)


SUMMARY_KEYS = (
    "partition_key",
    "window",
    "record_count",
    "available",
    "settled",
    "complete",
    "lookback",
    "uri",
    "superseded",
)
#: summary keys only some partitions have
OPTIONAL_KEYS = {"superseded"}


def _watched(status: PartitionStatus, source: RecordSource) -> Iterator[dict[str, Any]]:
    return status.watch(source())


def _api_delta(stats: Any, before: dict[str, Any]) -> dict[str, Any]:
    now = stats.snapshot()
    return {
        "requests": now["requests"] - before["requests"],
        "retries": now["retries"] - before["retries"],
        "throttled": now["throttled"] - before["throttled"],
        "retried_failures": now["retried_failures"][len(before["retried_failures"]) :],
    }


def current_context() -> Any:
    """The running task's context (None outside a task)."""
    try:
        from airflow.sdk import get_current_context

        return get_current_context()
    except Exception:  # outside a running task (e.g. a unit test calling deliver directly)
        return None


def delta_storage_options(uri: str, conn_id: str | None) -> dict[str, str] | None:
    """delta-rs options for an ``s3://`` table from the storage connection (None: local, or delta-rs' defaults).

    GUESS: the ``aws`` connection's credentials, region and ``endpoint_url`` extra are what delta-rs needs.
    """
    if not uri.startswith("s3://") or not conn_id:
        return None
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    hook = AwsBaseHook(aws_conn_id=conn_id, client_type="s3")
    credentials = hook.get_credentials()
    options = {"AWS_ACCESS_KEY_ID": credentials.access_key, "AWS_SECRET_ACCESS_KEY": credentials.secret_key}
    if credentials.token:
        options["AWS_SESSION_TOKEN"] = credentials.token
    endpoint = hook.conn_config.endpoint_url
    if endpoint:
        options["AWS_ENDPOINT_URL"] = endpoint
        options["AWS_ALLOW_HTTP"] = "true" if endpoint.startswith("http://") else "false"
    options["AWS_REGION"] = hook.conn_region_name or "us-east-1"
    return options
