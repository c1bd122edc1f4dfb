"""Hourly NICE CXone completed contacts to object storage, one partition per hour.

Each hour is extracted once it ended 30 minutes ago (the late-data margin), waiting in the
triggerer. Contacts that settle later still (or change afterwards) are picked up by the lookback:
each run also re-extracts the hours within ``late_data_margin`` + 1 hour before its own.
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
        grain="hour",  # hourly runs need hourly partitions (a day partition would refuse a 1-hour window)
        late_data_margin=timedelta(minutes=30),
        lookback="auto",  # the default: late_data_margin + 1 hour, i.e. the 2 previous hours
        deferrable=True,
    )
