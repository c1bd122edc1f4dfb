"""Hourly Genesys Cloud queue aggregates (30-minute buckets) into XCom, for a small downstream task."""

from __future__ import annotations

from datetime import datetime, timezone

from airflow.sdk import DAG, task
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_ccanalytics.operators.genesys import GenesysConversationAggregatesOperator

with DAG(
    dag_id="genesys_hourly_aggregates",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    tags=["ccanalytics", "genesys"],
) as dag:
    aggregates = GenesysConversationAggregatesOperator(
        task_id="queue_aggregates",
        metrics=["nOffered", "nConnected", "tHandle", "tTalk", "tAcw"],
        granularity="PT30M",
        group_by=["queueId", "mediaType"],
    )

    @task
    def handled_per_queue(rows: list[dict]) -> dict[str, int]:
        totals: dict[str, int] = {}
        for row in rows:
            if row["metric"] == "nConnected":
                totals[row["queueId"]] = totals.get(row["queueId"], 0) + int(row["value"])
        return totals

    handled_per_queue(aggregates.output)
