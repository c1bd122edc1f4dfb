"""Genesys Cloud analytics operators: conversation details (query and jobs); aggregates: ``genesys_aggregates``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cached_property, partial
from typing import Any

from airflow_provider_ccanalytics.core.datasets import JobType
from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.genesys import GENESYS_CONVERSATION_JOBS, conversation_start, details_windows
from airflow_provider_ccanalytics.core.http import mapping_argument
from airflow_provider_ccanalytics.core.partitions import (
    PartitionPlan,
    PartitionStatus,
    Window,
    conversation_is_open,
    iso_z,
)
from airflow_provider_ccanalytics.hooks.base import CcAnalyticsHook
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.operators.base import AnalyticsOperator, default_deferrable, seconds
from airflow_provider_ccanalytics.operators.jobs import JobOperatorMixin
from airflow_provider_ccanalytics.operators.partitions import current_context
from airflow_provider_ccanalytics.operators.spool import PartitionSpool
from airflow_provider_ccanalytics.triggers.jobs import DataAvailabilityTrigger

#: Genesys' FAQ on late changes (the settle horizon's source)
GENESYS_DATA_CHANGES = "https://help.mypurecloud.com/faqs/why-can-my-data-change"
#: its nightly pipeline reprocesses data at least 48 h old, and may start on a change once a conversation is
#: at least 3 days old; one more nightly run (the job "can take longer") on top: 4 days past the window's end,
#: on the ``dataAvailabilityDate`` watermark. GUESS: the extra day; Genesys documents no upper bound.
GENESYS_SETTLE_HORIZON = timedelta(days=4)


class _GenesysOperator(AnalyticsOperator):
    vendor = "genesys"

    def __init__(self, *, genesys_cloud_conn_id: str = GenesysCloudHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.genesys_cloud_conn_id = genesys_cloud_conn_id

    @cached_property
    def hook(self) -> GenesysCloudHook:
        return GenesysCloudHook(self.genesys_cloud_conn_id)

    def get_hook(self) -> CcAnalyticsHook:
        return self.hook

    _available_until: datetime | None = None
    #: the job family whose ``availability`` is the manifests' watermark
    watermark_jobs: JobType = GENESYS_CONVERSATION_JOBS

    def prepare_partitions(self, plan: PartitionPlan) -> None:
        """Read the details jobs' ``dataAvailabilityDate`` once, before extracting (the manifests' watermark)."""
        self._available_until = self.watermark_jobs.availability(self.hook.client)

    #: Genesys' nightly pipeline may change a conversation until it is at least 3 days old
    documented_changes = (timedelta(days=3), GENESYS_DATA_CHANGES)

    def default_settle_horizon(self) -> timedelta | None:
        return GENESYS_SETTLE_HORIZON

    def vendor_reference(self, plan: PartitionPlan) -> datetime | None:
        """The details jobs' ``dataAvailabilityDate`` read by :meth:`prepare_partitions`."""
        return self._available_until

    def partition_status(self, unit: Window) -> PartitionStatus:
        status = super().partition_status(unit)
        status.data_available_until = self._available_until
        if self.dataset == "conversation_details":
            status.is_open, status.open_key = conversation_is_open, "open_conversations"
        return status


#: Genesys reprocesses analytics data until a conversation is about 3 days old.
GENESYS_LOOKBACK = timedelta(days=3)


class GenesysConversationDetailsOperator(_GenesysOperator):
    """Conversation details of the window, through the synchronous details query.

    Every conversation that started in the window is written exactly once. By default the window is
    one query (per vendor interval cap) while its ``totalHits`` fit under the result cap, halved only
    when they do not, so every page but the last is full; its pages are fetched concurrently within
    the connection's rate limit. Each sub-window becomes one part file.

    :param genesys_cloud_conn_id: the Genesys Cloud connection.
    :param query: extra query body fields: ``segmentFilters``, ``conversationFilters``... (templated).
    :param split: a fixed sub-window length instead (e.g. ``timedelta(hours=1)`` for smaller part files; each
        sub-window ends with a part page, so more requests); default None: sized from ``totalHits``.
    :param lookback: also re-extract the partitions overlapping this long before the window (templated;
        default 3 days, as long as Genesys may still change a conversation; None: off).
    :param start: window start (templated; default: the run's data interval).
    :param end: window end (templated; default: the run's data interval).
    :param output: None for XCom, or a URI / ObjectStoragePath (templated).
    """

    template_fields: Sequence[str] = (*AnalyticsOperator.template_fields, "query", "lookback")
    template_fields_renderers = {"query": "json"}
    dataset = "conversation_details"
    supports_settle = True

    def __init__(
        self,
        *,
        query: dict[str, Any] | None = None,
        split: timedelta | None = None,
        lookback: Any = GENESYS_LOOKBACK,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.query = query if isinstance(query, str) else mapping_argument(query, "query")  # a str: a template
        self.split = split
        self.lookback = lookback

    def execute(self, context: Any) -> Any:
        self.query = mapping_argument(self.query, "query")  # as rendered, before any request
        window = self.window(context)
        client = self.hook.client

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            parts = client.details_windows(unit, self.split)
            self.log.info("Conversation details for %s in %d sub-windows", unit.interval(), len(parts))
            return [partial(client.iter_details_in, part, self.query) for part in parts]

        return self.deliver(window, sources, {"endpoint": "details/query", **self.query})

    def estimated_requests(self, plan: PartitionPlan) -> int:
        return sum(len(details_windows(unit, self.split)) for unit in plan.all)  # a request per sub-window at least


class GenesysDetailsJobOperator(JobOperatorMixin, _GenesysOperator):
    """Base of the details-job operators: wait for the family's watermark, submit one job for the run's
    partitions (lookback included), wait (deferrable), then :meth:`collect` (the family's part).

    :param genesys_cloud_conn_id: the Genesys Cloud connection.
    :param query: extra job body fields (filters) (templated).
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    :param poll_interval: seconds between job status checks.
    :param job_timeout: seconds to wait for the job.
    :param wait_for_availability: wait until ``dataAvailabilityDate`` covers the window (True), or fail
        at once when it does not (False).
    :param availability_poll_interval: seconds between availability checks.
    :param lookback: also re-extract the partitions overlapping this long before the window, in the same
        job (templated; default 3 days; None: off).
    """

    template_fields: Sequence[str] = (*AnalyticsOperator.template_fields, "query", "lookback")
    template_fields_renderers = {"query": "json"}
    job_type: JobType = GENESYS_CONVERSATION_JOBS

    def __init__(
        self,
        *,
        query: dict[str, Any] | None = None,
        deferrable: bool = default_deferrable(),
        poll_interval: timedelta | float = 30.0,
        job_timeout: timedelta | float | None = 6 * 3600,
        wait_for_availability: bool = True,
        availability_poll_interval: timedelta | float = 300.0,
        lookback: Any = GENESYS_LOOKBACK,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.lookback = lookback
        self.query = query if isinstance(query, str) else mapping_argument(query, "query")  # a str: a template
        self.deferrable = deferrable
        self.poll_interval = seconds(poll_interval)
        self.job_timeout = None if job_timeout is None else seconds(job_timeout)
        self.wait_for_availability = wait_for_availability
        self.availability_poll_interval = seconds(availability_poll_interval)

    def execute(self, context: Any) -> Any:
        self.query = mapping_argument(self.query, "query")  # as rendered, before any request
        window = self.window(context)
        available = self._availability()
        if available < window.end:
            if not self.wait_for_availability:
                raise ConfigurationError(
                    "wait_for_availability",
                    f"Genesys has complete job data only up to {iso_z(available)}, before this window's end "
                    f"{iso_z(window.end)}; run later, or set wait_for_availability=True",
                )
            if self.deferrable:
                self.defer(
                    trigger=DataAvailabilityTrigger(
                        self.genesys_cloud_conn_id,
                        iso_z(window.end),
                        self.availability_poll_interval,
                        job_type=self.job_type.name,
                    ),
                    method_name="execute_after_availability",
                    timeout=None if self.job_timeout is None else timedelta(seconds=self.job_timeout),
                )
            self._wait_for_availability(window)
        return self._submit(context, window)

    def execute_after_availability(self, context: Any, event: dict[str, Any]) -> Any:
        if event.get("status") != "success":
            raise ConfigurationError("wait_for_availability", str(event.get("message")))
        return self._submit(context, self.window(context))

    def _wait_for_availability(self, window: Window) -> None:
        deadline = None if self.job_timeout is None else time.monotonic() + self.job_timeout
        while (available := self._availability()) < window.end:
            if deadline is not None and time.monotonic() > deadline:
                raise ConfigurationError(
                    "job_timeout",
                    f"after {self.job_timeout:.0f} s Genesys has data only up to {iso_z(available)}, "
                    f"before the window's end {iso_z(window.end)}",
                )
            self.log.info("Data available up to %s; waiting for %s", iso_z(available), iso_z(window.end))
            time.sleep(self.availability_poll_interval)

    def _submit(self, context: Any, window: Window) -> Any:
        span = window
        if self.destination not in (None, ""):  # one job covers the lookback partitions too
            span = PartitionPlan.of(window, self.grain, self.lookback_for(context)).span
        return self.start_job(window, job_window=span, query=self.query)

    def _availability(self) -> datetime:
        available = self.job_type.availability(self.hook.client)
        assert available is not None  # every Genesys details-job family has a watermark
        return available


class GenesysConversationDetailsJobOperator(GenesysDetailsJobOperator):
    """Conversation details of the window through an asynchronous details job (bulk, backfills).

    Submits a job, waits (deferred by default in deferrable mode), pages the results by cursor,
    and writes every conversation that started in the window once. ``on_kill`` and a failed
    job cancel the remote job. Parameters: see :class:`GenesysDetailsJobOperator`.
    """

    dataset = "conversation_details"
    job_type = GENESYS_CONVERSATION_JOBS

    def collect(self, window: Window) -> Any:
        job_id = self.job_id
        assert job_id is not None
        client = self.hook.client
        # past the job result cap, the results reader splits the window into jobs with these settings
        split = {"query": self.query, "poll_interval": self.poll_interval, "timeout": self.job_timeout}
        query = {"endpoint": "details/jobs", "job_id": job_id, **self.query}
        if self.destination in (None, ""):
            return self.deliver(window, [lambda: self.job_type.results(client, job_id, window, **split)], query)
        plan = PartitionPlan.of(window, self.grain, self.lookback_for(current_context()))
        spool = PartitionSpool(plan.all, conversation_start)

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            if not spool.filled:  # the job's results are paged once, for every partition of the run
                spool.fill(self.job_type.results(client, job_id, plan.span, **split))
                self.log.info(
                    "Job %s: %d conversations routed to %d partitions",
                    job_id,
                    sum(spool.counts.values()),
                    len(plan.all),
                )
            return [spool.source(unit)]

        return self.deliver(window, sources, query)


def __getattr__(name: str) -> Any:
    """The aggregates operators moved to ``genesys_aggregates``; the old import path still works, through the
    package (``operators/__init__.py`` loads them on first use)."""
    if name == "GenesysConversationAggregatesOperator":
        from airflow_provider_ccanalytics import operators

        return operators.GenesysConversationAggregatesOperator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
