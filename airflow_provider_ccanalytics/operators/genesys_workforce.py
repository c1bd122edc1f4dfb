"""Genesys Cloud workforce management: historical adherence through the bulk job, per management unit.

``POST /api/v2/workforcemanagement/adherence/historical/bulk`` starts one job for the run's window with an item
per management unit (all the org's by default, from ``GET /api/v2/workforcemanagement/managementunits``), the
job is polled (``GET .../bulk/jobs/{jobId}``; deferrable, resumable: the job family
:data:`~airflow_provider_ccanalytics.core.genesys.GENESYS_ADHERENCE_JOBS`), and its result files are downloaded
from the ``downloadUrls`` without the bearer token, only from the connection's download hosts. Output: one record
per user and day (``{output}/genesys/adherence/org=<id>/interval_start=<day>/``, by the day's start), holding the
day's metrics and the exceptions and actuals that started that day; ``layout="tables"`` writes ``days``,
``exceptions`` and ``actuals``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow_provider_ccanalytics.core.datasets import JobType, iter_endpoint
from airflow_provider_ccanalytics.core.genesys import GENESYS_ADHERENCE_JOBS, GENESYS_MANAGEMENT_UNITS, day_start
from airflow_provider_ccanalytics.core.partitions import PartitionPlan, PartitionStatus, Window
from airflow_provider_ccanalytics.operators.base import AnalyticsOperator, default_deferrable, seconds
from airflow_provider_ccanalytics.operators.genesys import _GenesysOperator
from airflow_provider_ccanalytics.operators.jobs import JobOperatorMixin
from airflow_provider_ccanalytics.operators.spool import PartitionSpool


class GenesysHistoricalAdherenceOperator(JobOperatorMixin, _GenesysOperator):
    """Historical adherence of the window (permission ``wfm:historicalAdherence:view``), one record per user-day.

    :param genesys_cloud_conn_id: the Genesys Cloud connection.
    :param management_unit_ids: the management units to query (templated; default None: every unit the org
        lists, one ``GET .../managementunits`` first).
    :param time_zone: the ``timeZone`` that defines the days (default ``UTC``: the days are the partitions; another
        zone's days land in the UTC partition holding their start).
    :param user_ids: only these users (default: every user of each unit).
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    :param poll_interval: seconds between job status checks.
    :param job_timeout: seconds to wait for the job.
    :param start: window start (templated; default: the run's data interval).
    :param end: window end (templated).
    :param output: None for XCom, or a URI / ObjectStoragePath (templated).
    """

    template_fields: Sequence[str] = (*AnalyticsOperator.template_fields, "management_unit_ids", "time_zone")
    dataset = "adherence"
    job_type: JobType = GENESYS_ADHERENCE_JOBS
    watermark_jobs: JobType = GENESYS_ADHERENCE_JOBS  # no watermark is published for WFM

    def __init__(
        self,
        *,
        management_unit_ids: Sequence[str] | None = None,
        time_zone: str = "UTC",
        user_ids: Sequence[str] | None = None,
        deferrable: bool = default_deferrable(),
        poll_interval: timedelta | float = 30.0,
        job_timeout: timedelta | float | None = 2 * 3600,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.management_unit_ids = management_unit_ids
        self.time_zone = time_zone
        self.user_ids = list(user_ids) if user_ids else None
        self.deferrable = deferrable
        self.poll_interval = seconds(poll_interval)
        self.job_timeout = None if job_timeout is None else seconds(job_timeout)

    def default_settle_horizon(self) -> timedelta | None:
        """None: never ``settled``. Genesys documents no time after which historical adherence stops changing
        (an exception explained or a past schedule edited later recomputes it)."""
        return None

    def partition_status(self, unit: Window) -> PartitionStatus:
        """``available`` once the day ended (local clock): WFM publishes no watermark to wait for."""
        status = super().partition_status(unit)
        status.settle = timedelta(0)
        return status

    def management_units(self) -> list[str]:
        """The units to query: as given, else every unit the org lists (one request)."""
        if self.management_unit_ids:
            given = self.management_unit_ids
            return [given] if isinstance(given, str) else list(given)
        units = sorted(str(unit["id"]) for unit in iter_endpoint(self.hook.client, GENESYS_MANAGEMENT_UNITS))
        self.log.info("Historical adherence of %d management units (every unit the org lists)", len(units))
        return units

    def execute(self, context: Any) -> Any:
        window = self.window(context)
        units = self.management_units()
        return self.start_job(window, management_unit_ids=units, time_zone=self.time_zone, user_ids=self.user_ids)

    def collect(self, window: Window) -> Any:
        job_id = self.job_id
        assert job_id is not None
        client = self.hook.client
        query = {"endpoint": "adherence/historical/bulk", "job_id": job_id, "timeZone": self.time_zone}

        def results() -> Any:
            return self.job_type.results(client, job_id, window, time_zone=self.time_zone)

        if self.destination in (None, ""):
            return self.deliver(window, [results], query)
        plan = PartitionPlan.of(window, self.grain, None)
        spool = PartitionSpool(plan.all, day_start)

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            if not spool.filled:  # the job's files are downloaded once, for every partition of the run
                spool.fill(results())
                self.log.info(
                    "Job %s: %d user-day records in %d partitions", job_id, sum(spool.counts.values()), len(plan.all)
                )
            return [spool.source(unit)]

        return self.deliver(window, sources, query)
