"""Sensors in dag.test(), and the Parquet output format."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from tests import clients
from tests.conftest import partition_dir, task_states, utc

pytestmark = pytest.mark.airflow

HEADER = """
from datetime import datetime, timedelta, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.sensors.genesys import GenesysDataAvailabilitySensor
from airflow_provider_ccanalytics.sensors.cxone import CxoneDataExtractionJobSensor
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator
with DAG("sensor_test", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
"""


@pytest.mark.parametrize("deferrable", [False, True])
def test_availability_sensor_waits_until_the_window_is_covered(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], deferrable: bool
) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection())
    sandbox.config.availability_lag = 400 * 86400  # January not processed yet

    def cover_after_first_look() -> None:
        deadline = time.monotonic() + 60
        while sandbox.count("GET genesys jobs/availability") < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        sandbox.config.availability_lag = 0

    threading.Thread(target=cover_after_first_look, daemon=True).start()
    run = run_dag(
        HEADER + f"    GenesysDataAvailabilitySensor(task_id='available', poke_interval=0.3, "
        f"deferrable={deferrable}, timeout=60)\n",
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"available": "success"}
    assert sandbox.count("GET genesys jobs/availability") >= 2  # it looked, waited, looked again


def test_extraction_job_sensor_succeeds_and_fails_with_the_job(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any]
) -> None:
    sandbox.config.extraction_seconds = 0.5
    sandbox.config.extraction_create_interval = 0
    connect("nice_cxone_default", sandbox.cxone_connection())
    client = clients.cxone(sandbox)
    window = Window.of(DataSpec().start, DataSpec().end)
    good = client.create_extraction_job("completed-contacts", "1", window)
    run = run_dag(
        HEADER + f"    CxoneDataExtractionJobSensor(task_id='job', job_id='{good}', poke_interval=0.2)\n",
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"job": "success"}
    sandbox.fail_next_job("FAILED")
    bad = client.create_extraction_job("completed-contacts", "1", window)
    run = run_dag(
        HEADER + f"    CxoneDataExtractionJobSensor(task_id='job', job_id='{bad}', poke_interval=0.2)\n",
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"job": "failed"}


def test_parquet_output_holds_every_record(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    connect("genesys_cloud_default", sandbox.genesys_connection())
    run = run_dag(
        HEADER + f"    GenesysConversationDetailsOperator(task_id='details', output='{out_dir.as_uri()}', "
        "output_format='parquet', split=timedelta(hours=12))\n",
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"details": "success"}
    folder = partition_dir(out_dir, "genesys", "conversation_details")
    manifest = json.loads((folder / "_manifest.json").read_text())
    assert [f["path"] for f in manifest["files"]] == ["part-00000.parquet", "part-00001.parquet"]
    ids = []
    for entry in manifest["files"]:
        table = pq.read_table(folder / entry["path"])
        ids += table.column("conversationId").to_pylist()  # typed columns (the declared schema)
    assert ids == sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
