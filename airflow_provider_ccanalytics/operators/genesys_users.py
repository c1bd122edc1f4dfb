"""Genesys Cloud agent activity operators: users details (presence and routing status), query and jobs.

Output: ``{output}/genesys/user_details/interval_start=.../``, one record per user per partition, nested like the
API (``userId``, ``primaryPresence[]``, ``routingStatus[]``) and holding the intervals whose ``startTime`` is in
the partition (see :mod:`airflow_provider_ccanalytics.core.genesys.users`); ``layout="tables"`` writes the tables
``users``, ``presence`` and ``routing_status``. Partitions, lookback, deferral and the completeness contract are
the conversation operators'; the watermark is the users details jobs' ``availability``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

from airflow_provider_ccanalytics.core.genesys import (
    GENESYS_USER_JOBS,
    first_start,
    iter_user_details,
    merge_user_details,
    split_by_partition,
    user_has_open_interval,
)
from airflow_provider_ccanalytics.core.http import mapping_argument
from airflow_provider_ccanalytics.core.partitions import PartitionPlan, PartitionStatus, Window
from airflow_provider_ccanalytics.operators.base import AnalyticsOperator
from airflow_provider_ccanalytics.operators.genesys import GENESYS_LOOKBACK, GenesysDetailsJobOperator, _GenesysOperator
from airflow_provider_ccanalytics.operators.partitions import current_context
from airflow_provider_ccanalytics.operators.spool import PartitionSpool


class _UserDetails(_GenesysOperator):
    dataset = "user_details"
    watermark_jobs = GENESYS_USER_JOBS

    def partition_status(self, unit: Window) -> PartitionStatus:
        """Final once the users jobs' watermark passed the partition's end and no interval in it is open."""
        status = super().partition_status(unit)
        status.is_open, status.open_key = user_has_open_interval, "open_users"
        return status


class GenesysUserDetailsOperator(_UserDetails):
    """Agent activity of the window through the synchronous users details query.

    Every presence and routing-status interval that started in a partition's window is written once, in that
    partition (an interval spanning midnight goes to the day it started, whole). One query per partition, paged.

    :param genesys_cloud_conn_id: the Genesys Cloud connection.
    :param query: extra query body fields: ``userFilters``, ``presenceFilters``, ``routingStatusFilters``
        (templated).
    :param lookback: also re-extract the partitions overlapping this long before the window (templated;
        default 3 days, as for conversations; None: off).
    :param start: window start (templated; default: the run's data interval).
    :param end: window end (templated; default: the run's data interval).
    :param output: None for XCom (one record per user for the whole window), or a URI / ObjectStoragePath.
    """

    template_fields: Sequence[str] = (*AnalyticsOperator.template_fields, "query", "lookback")
    template_fields_renderers = {"query": "json"}

    def __init__(self, *, query: dict[str, Any] | None = None, lookback: Any = GENESYS_LOOKBACK, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.query = query if isinstance(query, str) else mapping_argument(query, "query")  # a str: a template
        self.lookback = lookback

    def execute(self, context: Any) -> Any:
        self.query = mapping_argument(self.query, "query")  # as rendered, before any request
        client = self.hook.client

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            return [partial(iter_user_details, client, unit, self.query)]

        return self.deliver(self.window(context), sources, {"endpoint": "users/details/query", **self.query})


class GenesysUserDetailsJobOperator(_UserDetails, GenesysDetailsJobOperator):
    """Agent activity of the window through an asynchronous users details job (bulk, backfills).

    Waits for the users jobs' ``dataAvailabilityDate`` to pass the window's end (deferred when deferrable),
    submits one job for the run's partitions (lookback included), waits, pages the results by cursor and
    writes each interval once, in the partition of its ``startTime``. ``on_kill`` and a failed job cancel it.
    Parameters: those of :class:`~airflow_provider_ccanalytics.operators.genesys.GenesysDetailsJobOperator`
    (``query``: ``userFilters``, ``presenceFilters``, ``routingStatusFilters``).
    """

    job_type = GENESYS_USER_JOBS

    def collect(self, window: Window) -> Any:
        job_id = self.job_id
        assert job_id is not None
        client = self.hook.client
        query = {"endpoint": "users/details/jobs", "job_id": job_id, **self.query}
        if self.destination in (None, ""):
            records = partial(self._merged_results, job_id, window)
            return self.deliver(window, [records], query)
        plan = PartitionPlan.of(window, self.grain, self.lookback_for(current_context()))
        spool = PartitionSpool(plan.all, first_start)

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            if not spool.filled:  # the job's results are paged once, for every partition of the run
                spool.fill(split_by_partition(self.job_type.results(client, job_id, plan.span), plan.all))
                self.log.info(
                    "Job %s: %d user records in %d partitions", job_id, sum(spool.counts.values()), len(plan.all)
                )
            read = spool.source(unit)
            return [lambda: iter(merge_user_details(read()))]

        return self.deliver(window, sources, query)

    def _merged_results(self, job_id: str, window: Window) -> Iterator[dict[str, Any]]:
        results = self.job_type.results(self.hook.client, job_id, window)
        yield from merge_user_details(split_by_partition(results, [window]))
