"""Asset events: one per written partition (lookback partitions included), with the partition's metadata."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from tests.conftest import partition_folder, task_states, utc

pytestmark = pytest.mark.airflow
URI = "ccanalytics://test/genesys/conversation_details"
DAG = """
from datetime import datetime, timedelta, timezone
from airflow.sdk import DAG, Asset
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator

with DAG("{dag_id}", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    GenesysConversationDetailsOperator(task_id="details", output="{output}", split=timedelta(days=1),
                                       lookback=timedelta(days=1), outlets=[Asset("{uri}")], {args})

# downstream DAGs in the same file, so dag.test() writes them to the metadata DB before the producer runs
from airflow.sdk import PartitionedAssetTimetable
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("{dag_id}_per_partition", schedule=PartitionedAssetTimetable(assets=Asset("{uri}")),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), is_paused_upon_creation=False) as per_partition:
    EmptyOperator(task_id="load")

with DAG("{dag_id}_plain", schedule=[Asset("{uri}")], start_date=datetime(2025, 12, 1, tzinfo=timezone.utc),
         is_paused_upon_creation=False) as plain:
    EmptyOperator(task_id="load")
"""


def queued_downstream(dag_id: str) -> tuple[list[str], list[str]]:
    """Partition keys queued for the partition-aware downstream DAG; DAG ids queued for plain asset schedules."""
    from airflow.models.asset import AssetDagRunQueue, AssetPartitionDagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        keys = [row.partition_key for row in session.query(AssetPartitionDagRun).filter_by(target_dag_id=dag_id)]
        plain = [row.target_dag_id for row in session.query(AssetDagRunQueue)]
        return sorted(keys), plain


def asset_events(dag_id: str) -> list[Any]:
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(AssetEvent).filter_by(source_dag_id=dag_id).order_by(AssetEvent.id).all()
        session.expunge_all()
        return rows


def test_one_partitioned_asset_event_per_written_partition_with_its_metadata(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=400, start="2026-01-01T00:00:00Z", end="2026-01-03T00:00:00Z"))
    connect("genesys_cloud_default", sandbox.genesys_connection())
    run = run_dag(DAG.format(dag_id="asset_producer", output=out_dir.as_uri(), uri=URI, args=""), utc(2026, 1, 3))
    assert task_states(run) == {"details": "success"}
    events = asset_events("asset_producer")
    keys = ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"]  # the lookback day, then the run's day
    assert sorted(event.partition_key for event in events) == keys
    for event in events:
        meta = event.extra["partitions"][event.partition_key]
        start = utc(2026, 1, int(event.partition_key[8:10])).timestamp()
        assert meta["record_count"] == len(sandbox.data.conversation_ids_started(start, start + 86400)) > 0
        assert meta["window"]["start"] == event.partition_key.replace(":00Z", ":00.000Z")
        assert meta["complete"] is True and meta["path"].endswith(
            partition_folder("genesys", "conversation_details", event.partition_key)
        )
        assert meta["lookback"] is (event.partition_key == keys[0])
    per_partition, plain = queued_downstream("asset_producer_per_partition")
    assert per_partition == keys  # the partition-aware downstream DAG is queued once per written partition
    assert "asset_producer_plain" not in plain  # Airflow does not queue plain schedules for partitioned events


def test_plain_asset_event_lists_every_partition_when_partition_keys_are_off(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection())
    source = DAG.format(dag_id="asset_plain", output=out_dir.as_uri(), uri=URI, args="partitioned_asset_events=False")
    assert task_states(run_dag(source, utc(2026, 1, 2))) == {"details": "success"}
    (event,) = asset_events("asset_plain")  # one event, which a plain schedule=[asset] DAG is triggered by
    assert event.partition_key is None
    assert sorted(event.extra["partitions"]) == ["2025-12-31T00:00:00Z", "2026-01-01T00:00:00Z"]
    assert event.extra["partitions"]["2026-01-01T00:00:00Z"]["record_count"] == 1000
    assert "asset_plain_plain" in queued_downstream("asset_plain_per_partition")[1]  # the plain DAG is queued
