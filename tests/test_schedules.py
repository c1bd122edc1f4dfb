"""Cron-string schedules (Airflow 3's CronTriggerTimetable): the window comes from the timetable."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.testing import Sandbox
from tests.conftest import partition_dir, task_states, utc

pytestmark = pytest.mark.airflow

DAG = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator

with DAG("daily_cron_string", schedule="@daily", start_date=datetime(2025, 12, 1, tzinfo=timezone.utc),
         catchup=False) as dag:
    GenesysConversationDetailsOperator(task_id="details", output="{output}", lookback=None)
"""


def rendered_fields(dagrun: Any, task_id: str) -> dict[str, Any]:
    from airflow.models.renderedtifields import RenderedTaskInstanceFields as Rtif
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.query(Rtif).filter_by(dag_id=dagrun.dag_id, run_id=dagrun.run_id, task_id=task_id).one()
        return dict(row.rendered_fields)


def test_a_daily_cron_string_dag_without_start_or_end_extracts_yesterday(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection())
    run = run_dag(DAG.format(output=out_dir.as_uri()), utc(2026, 1, 2))
    assert task_states(run) == {"details": "success"}
    assert run.data_interval_start == run.data_interval_end  # Airflow gave the run no window of its own
    folder = partition_dir(out_dir, "genesys", "conversation_details")
    manifest = json.loads((folder / "_manifest.json").read_text())
    assert manifest["window"] == {"start": "2026-01-01T00:00:00.000Z", "end": "2026-01-02T00:00:00.000Z"}
    ids = []
    for entry in manifest["files"]:
        with gzip.open(folder / entry["path"], "rt") as handle:
            ids += [json.loads(line)["conversationId"] for line in handle]
    assert ids == sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end) and len(ids) == 1000
    rendered = rendered_fields(run, "details")  # what the UI's Rendered Templates tab shows
    assert (rendered["start"], rendered["end"]) == ("2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z")


def test_a_run_off_the_cron_schedule_still_fails_with_the_fix(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection())
    run = run_dag(DAG.format(output=out_dir.as_uri()), utc(2026, 1, 2, 5, 30))
    assert task_states(run) == {"details": "failed"}
    assert sandbox.count("POST genesys details/query") == 0
    assert not any(out_dir.iterdir())
