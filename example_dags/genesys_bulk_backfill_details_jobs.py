"""Bulk backfill of Genesys Cloud conversation details through asynchronous details jobs.

Deferrable: the job is submitted, the task waits in the triggerer (no worker slot), then
pages the results. Run a backfill with:
``airflow backfill create --dag-id genesys_bulk_backfill_details_jobs --from-date 2026-01-01 --to-date 2026-01-31``

It writes under ``<output>/bulk_backfill/`` so that its partitions never replace those of
``genesys_nightly_conversation_details`` (same dataset, same intervals).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsJobOperator

OUTPUT = os.environ.get("CCANALYTICS_OUTPUT", "file:///tmp/ccanalytics").rstrip("/") + "/bulk_backfill"

with DAG(
    dag_id="genesys_bulk_backfill_details_jobs",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["ccanalytics", "genesys", "backfill"],
) as dag:
    GenesysConversationDetailsJobOperator(
        task_id="conversation_details_job",
        output=OUTPUT,
        deferrable=True,
        poll_interval=timedelta(seconds=float(os.environ.get("CCANALYTICS_POLL_SECONDS", "30"))),
        wait_for_availability=True,
    )
