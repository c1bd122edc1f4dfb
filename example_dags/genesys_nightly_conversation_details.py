"""Nightly Genesys Cloud conversation details to object storage, one partition per day.

Scheduled with data intervals (CronDataIntervalTimetable), so ``catchup`` and
``airflow backfill create`` extract each past day; reruns replace their partition. Genesys
changes conversations for about 3 days, so each run also re-extracts the 3 previous days
(``lookback``); manifests say ``complete: true`` once a day's data is final. Backfill runs skip
the lookback. The asset gets one event per written partition.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG, Asset
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator

OUTPUT = os.environ.get("CCANALYTICS_OUTPUT", "file:///tmp/ccanalytics")

with DAG(
    dag_id="genesys_nightly_conversation_details",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=True,
    max_active_runs=2,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["ccanalytics", "genesys"],
) as dag:
    GenesysConversationDetailsOperator(
        task_id="conversation_details",
        genesys_cloud_conn_id="genesys_cloud_default",
        output=OUTPUT,
        split=timedelta(hours=1),
        lookback=timedelta(days=3),  # the default, shown here
        outlets=[Asset(f"{OUTPUT.rstrip('/')}/genesys/conversation_details")],
    )
