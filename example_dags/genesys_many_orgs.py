"""Nightly Genesys Cloud conversation details of many orgs: one operator mapped over their connections.

Dynamic task mapping makes one task instance per connection (map index), each with its own token, rate
limiter and discovered org id; they all write into one ``output``, where each org gets its own folder:
``<output>/genesys/conversation_details/org=<org id>/interval_start=<start>/``. Add an org by adding its
connection id (here through ``CCANALYTICS_GENESYS_CONN_IDS``, comma-separated).

Rate budget: Genesys counts requests per token (one token per connection). Each connection's
``rate_limiter`` extra paces it: ``adaptive`` (default) per worker process, ``redis`` for every worker of the
connection together (``redis_url``; ``pip install "airflow-provider-ccanalytics[redis]"``).

Pools (recommended): one Airflow pool per connection (``airflow pools set genesys_org_a 2 "org a"``), so
every DAG that uses a connection queues for that connection's slots instead of sharing its 429s. Airflow
puts all map indexes of a mapped task in the single pool given to ``.partial()``, so for a pool per
connection, write one ``.partial(task_id=f"details_{name}", pool=f"genesys_{name}")...expand(...)`` per pool.
Here ``max_active_tis_per_dagrun`` caps how many orgs run at once.

It writes under ``<output>/many_orgs/`` only so that the example DAGs never replace each other's
partitions; in a deployment this DAG replaces ``genesys_nightly_conversation_details`` and can share its root.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator

OUTPUT = os.environ.get("CCANALYTICS_OUTPUT", "file:///tmp/ccanalytics").rstrip("/") + "/many_orgs"
CONNECTIONS = os.environ.get("CCANALYTICS_GENESYS_CONN_IDS", "genesys_org_a,genesys_org_b").split(",")

with DAG(
    dag_id="genesys_many_orgs",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["ccanalytics", "genesys", "many-orgs"],
) as dag:
    GenesysConversationDetailsOperator.partial(
        task_id="conversation_details",
        output=OUTPUT,  # one output for every org: the org level keeps their partitions apart
        max_active_tis_per_dagrun=4,
    ).expand(genesys_cloud_conn_id=[conn_id.strip() for conn_id in CONNECTIONS if conn_id.strip()])
