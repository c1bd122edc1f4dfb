"""Nightly NICE CXone Data Extraction job (bulk) to object storage, deferrable.

The schedule is on day boundaries (the data interval is one whole day, so it replaces exactly one day
partition); the operator itself waits its ``late_data_margin`` (30 minutes) after midnight before creating
the job, so the day is settled in CXone first.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_ccanalytics.operators.cxone import CxoneDataExtractionOperator

OUTPUT = os.environ.get("CCANALYTICS_OUTPUT", "file:///tmp/ccanalytics")

with DAG(
    dag_id="cxone_nightly_data_extraction",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["ccanalytics", "cxone"],
) as dag:
    CxoneDataExtractionOperator(
        task_id="data_extraction",
        entity_name="recording-interaction-metadata",  # required: a documented entity and its version
        version="7",
        output=OUTPUT,
        deferrable=True,
        poll_interval=timedelta(seconds=float(os.environ.get("CCANALYTICS_POLL_SECONDS", "30"))),
    )
