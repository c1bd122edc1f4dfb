"""Hourly NICE CXone completed contacts to object storage.

Each hour is extracted once it ended 30 minutes ago (the late-data margin), waiting in the
triggerer rather than missing contacts that settle late.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_ccanalytics.operators.cxone import CxoneCompletedContactsOperator

OUTPUT = os.environ.get("CCANALYTICS_OUTPUT", "file:///tmp/ccanalytics")

with DAG(
    dag_id="cxone_hourly_completed_contacts",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    tags=["ccanalytics", "cxone"],
) as dag:
    CxoneCompletedContactsOperator(
        task_id="completed_contacts",
        output=OUTPUT,
        late_data_margin=timedelta(minutes=30),
        deferrable=True,
    )
