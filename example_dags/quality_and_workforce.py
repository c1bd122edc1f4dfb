"""Nightly quality and workforce: evaluations, management units and historical adherence, then a small report.

Each run, for the day of its data interval:

- ``evaluations``: every quality evaluation created, submitted (rescored) or released that day, in its newest
  state (``{output}/genesys/evaluations/.../interval_start=<day>/``);
- ``snapshot_management_units`` and ``snapshot_queues``: the names the report shows (dated snapshots);
- ``evaluation_aggregates``: released evaluations of the day by queue (evaluations aggregates,
  ``alternateTimeDimension`` ``evaluationReleaseDate``);
- ``adherence``: one historical adherence bulk job for the day, every management unit, deferred while it runs;
  one record per user and day with its exceptions and actuals (``{output}/genesys/adherence/...``);
- ``report``: average evaluation score by queue and adherence by management unit, logged as tables and
  returned (XCom).

The output is ``quality_and_workforce/`` under the root the other examples read (``CCANALYTICS_OUTPUT``).
Permissions: ``quality:evaluation:searchAny``, ``analytics:evaluationAggregate:view``, ``wfm:historicalAdherence:view``,
``routing:queue:view``.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow.sdk import DAG, task
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_ccanalytics.operators.endpoints import GenesysEntitiesOperator
from airflow_provider_ccanalytics.operators.genesys_aggregates import GenesysEvaluationAggregatesOperator
from airflow_provider_ccanalytics.operators.genesys_quality import GenesysEvaluationsOperator
from airflow_provider_ccanalytics.operators.genesys_workforce import GenesysHistoricalAdherenceOperator

OUTPUT = os.environ.get("CCANALYTICS_OUTPUT", "file:///tmp/ccanalytics").rstrip("/") + "/quality_and_workforce"
CONN = "genesys_cloud_default"
POLL = timedelta(seconds=float(os.environ.get("CCANALYTICS_POLL_SECONDS", "30")))

with DAG(
    dag_id="quality_and_workforce",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["ccanalytics", "genesys", "quality", "workforce"],
) as dag:
    evaluations = GenesysEvaluationsOperator(task_id="evaluations", genesys_cloud_conn_id=CONN, output=OUTPUT)
    units = GenesysEntitiesOperator(
        task_id="snapshot_management_units", entity="management_units", genesys_cloud_conn_id=CONN, output=OUTPUT
    )
    queues = GenesysEntitiesOperator(
        task_id="snapshot_queues", entity="queues", genesys_cloud_conn_id=CONN, output=OUTPUT
    )
    adherence = GenesysHistoricalAdherenceOperator(
        task_id="adherence", genesys_cloud_conn_id=CONN, output=OUTPUT, deferrable=True, poll_interval=POLL
    )
    # -- evaluation aggregates (issue 25's aggregates): released evaluations of the day by queue, from
    # -- `POST /api/v2/analytics/evaluations/aggregates/query` with alternateTimeDimension=evaluationReleaseDate.
    # -- Written beside the evaluations for dashboards; to report them too, pass `evaluation_aggregates.output` to
    # -- the report and read it with `read_partition` (rows: queueId, metric, stat, value).
    evaluation_aggregates = GenesysEvaluationAggregatesOperator(
        task_id="evaluation_aggregates",
        genesys_cloud_conn_id=CONN,
        output=OUTPUT,
        group_by=["queueId"],
        alternate_time_dimension="evaluationReleaseDate",
    )

    @task
    def report(evaluations: Any, adherence: Any, queues: Any, management_units: Any) -> dict[str, Any]:
        """Average evaluation score by queue and adherence by management unit for the run's day."""
        from airflow_provider_ccanalytics.quality_report import format_report, quality_and_workforce_report

        result = quality_and_workforce_report(evaluations, adherence, queues=queues, management_units=management_units)
        print(format_report(result))
        return result

    report(evaluations.output, adherence.output, queues.output, units.output)
