"""Nightly contact-centre model: Genesys Cloud dimensions and the day's conversations, side by side.

Each run snapshots the dimension lists analysts join conversations to (users, queues, wrap-up codes,
divisions, skills, languages) as ``{output}/genesys/<entity>/snapshot_date=<day>/`` and extracts the same
day's conversation details as ``{output}/genesys/conversation_details/interval_start=<day>T00:00:00Z/`` and agent
activity as ``{output}/genesys/user_details/interval_start=<day>T00:00:00Z/``.
Every queueId, userId, wrapUpCode, divisionId and skill/language id of that day's conversations resolves in
that day's snapshots (users are listed with ``state=any``, so deleted agents resolve too). A rerun replaces
only its own snapshot date; earlier snapshots stay, so history is kept.

This DAG writes under ``contact_centre_model/`` of the output root the other examples read (``CCANALYTICS_OUTPUT``),
apart from them; ``CCANALYTICS_MODEL_OUTPUT`` names a whole other place instead.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_ccanalytics.operators.endpoints import GenesysEntitiesOperator
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator
from airflow_provider_ccanalytics.operators.genesys_users import GenesysUserDetailsOperator

OUTPUT = os.environ.get("CCANALYTICS_MODEL_OUTPUT") or (
    os.environ.get("CCANALYTICS_OUTPUT", "file:///tmp/ccanalytics").rstrip("/") + "/contact_centre_model"
)
CONN = "genesys_cloud_default"
DIMENSIONS = ("users", "queues", "wrapupcodes", "divisions", "skills", "languages")

with DAG(
    dag_id="contact_centre_model",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["ccanalytics", "genesys", "model"],
) as dag:
    for entity in DIMENSIONS:
        GenesysEntitiesOperator(
            task_id=f"snapshot_{entity}",
            entity=entity,
            genesys_cloud_conn_id=CONN,
            output=OUTPUT,
            output_format="jsonl.gz",
            # snapshot_date defaults to the data interval's start date ({{ ds }}): the conversations' day
            **({"expand": ["skills"]} if entity == "users" else {}),
        )
    # independent of the snapshots: a failed snapshot does not hold back the day's facts (rerun it alone)
    GenesysConversationDetailsOperator(
        task_id="conversation_details",
        genesys_cloud_conn_id=CONN,
        output=OUTPUT,
        lookback=timedelta(days=3),
    )
    # agent activity (presence and routing-status intervals) of the same day, for occupancy and adherence
    GenesysUserDetailsOperator(
        task_id="user_details",
        genesys_cloud_conn_id=CONN,
        output=OUTPUT,
        lookback=timedelta(days=3),
    )
