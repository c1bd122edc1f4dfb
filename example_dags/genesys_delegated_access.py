"""Genesys Cloud with delegated access (authorization code + PKCE): data as the user who logged in.

One-time setup: create the connection with ``grant_type=authorization_code`` and a
``redirect_uri``, then run ``ccanalytics-login --conn-id genesys_cloud_delegated``. The refresh
token is kept (and rotated) in the token store; the DAG then runs unattended.
"""

from __future__ import annotations

from datetime import datetime, timezone

from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator

with DAG(
    dag_id="genesys_delegated_access",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    tags=["ccanalytics", "genesys", "delegated"],
) as dag:
    GenesysConversationDetailsOperator(
        task_id="my_conversations",
        genesys_cloud_conn_id="genesys_cloud_delegated",
        query={"segmentFilters": [{"type": "and", "predicates": [{"dimension": "mediaType", "value": "voice"}]}]},
    )
