"""Genesys agent activity (users details query and jobs) in real Airflow (dag.test()) against the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.catalog import flattener_for
from airflow_provider_ccanalytics.core.genesys import nest_user_details, user_detail_rows
from airflow_provider_ccanalytics.outputs import read_manifest, read_partition
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from airflow_provider_ccanalytics.testing.data import parse_ts
from tests.conftest import partition_dir, task_states, utc, xcom_result

pytestmark = pytest.mark.airflow
DAYS = ("2026-01-01", "2026-01-02")
SPEC = DataSpec(conversations=2000)

DAG_TEMPLATE = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.genesys_users import (
    GenesysUserDetailsJobOperator, GenesysUserDetailsOperator)

with DAG("users_test", schedule=CronDataIntervalTimetable('0 0 * * *', timezone='UTC'),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    {operator}
"""


def folder(out_dir: Path, day: str) -> Path:
    return partition_dir(out_dir, "genesys", "user_details", day)


def records_of(out_dir: Path, day: str) -> list[dict[str, Any]]:
    return list(read_partition(f"file://{folder(out_dir, day)}"))


def interval_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The partition's intervals as ground-truth rows (one per presence or routing-status interval)."""
    return sorted(
        (row for record in records for row in user_detail_rows(record)),
        key=lambda row: (row["userId"], row["recordType"], row["startTime"]),
    )


def truth(sandbox: Sandbox, day: str) -> list[dict[str, Any]]:
    start = parse_ts(f"{day}T00:00:00Z")
    return sorted(
        sandbox.data.user_interval_rows(start, start + 86400),
        key=lambda row: (row["userId"], row["recordType"], row["startTime"]),
    )


def check_partitions(sandbox: Sandbox, out_dir: Path) -> None:
    """Each day's partition: one record per user, every interval that started that day exactly once."""
    seen: list[tuple[str, str, str]] = []
    for day in DAYS:
        records = records_of(out_dir, day)
        users = [record["userId"] for record in records]
        assert users == sorted(set(users)) and users, day
        rows = interval_rows(records)
        assert rows == truth(sandbox, day), day
        seen += [(row["userId"], row["recordType"], row["startTime"]) for row in rows]
        manifest = read_manifest(f"file://{folder(out_dir, day)}")
        assert manifest is not None
        assert manifest["record_count"] == len(records) and manifest["open_users"] == 0
        assert manifest["complete"] is True
    assert len(seen) == len(set(seen))  # no interval in two partitions
    # an interval spanning midnight is in the day it started, whole
    first_day = interval_rows(records_of(out_dir, DAYS[0]))
    assert any(row["endTime"] > "2026-01-02" for row in first_day)


def test_query_operator_writes_every_interval_once_and_reruns_replace(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    sandbox = sandbox_factory(SPEC)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    source = DAG_TEMPLATE.format(
        operator=f"GenesysUserDetailsOperator(task_id='users', output='{out_dir.as_uri()}', lookback=None)"
    )
    for day in (2, 3):
        assert task_states(run_dag(source, utc(2026, 1, day))) == {"users": "success"}
    check_partitions(sandbox, out_dir)
    before = {p.name: p.read_bytes() for p in folder(out_dir, DAYS[0]).iterdir() if p.suffix != ".json"}
    (folder(out_dir, DAYS[0]) / "part-09999.jsonl.gz").write_bytes(b"left over by an older run")
    rerun = run_dag(source, utc(2026, 1, 2))
    assert task_states(rerun) == {"users": "success"}
    assert {p.name: p.read_bytes() for p in folder(out_dir, DAYS[0]).iterdir() if p.suffix != ".json"} == before
    check_partitions(sandbox, out_dir)
    assert xcom_result(rerun, "users")["record_count"] == len(records_of(out_dir, DAYS[0]))
    assert sandbox.count("POST genesys users details/query") >= 3
    assert sandbox.count("GET genesys users jobs/availability") >= 3  # the manifests' watermark


def test_tables_layout_rows_equal_the_nested_records(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(SPEC)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    nested, tables = tmp_path / "nested", tmp_path / "tables"
    for out, layout in ((nested, "records"), (tables, "tables")):
        operator = (
            f"GenesysUserDetailsOperator(task_id='users', output='{out.as_uri()}', lookback=None, layout='{layout}')"
        )
        assert task_states(run_dag(DAG_TEMPLATE.format(operator=operator), utc(2026, 1, 2))) == {"users": "success"}
    path = f"file://{folder(tables, DAYS[0])}"
    found = {table: list(read_partition(path, table=table)) for table in flattener_for("user_details").tables}
    records = records_of(nested, DAYS[0])
    assert nest_user_details(found) == records
    assert len(found["presence"]) == sum(len(r["primaryPresence"]) for r in records) > len(records)
    assert all(set(row) >= {"userId", "startTime", "routingStatus"} for row in found["routing_status"])


def test_job_operator_defers_and_writes_every_interval_once(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    sandbox = sandbox_factory(SPEC, job_seconds=1.0)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    source = DAG_TEMPLATE.format(
        operator=(
            f"GenesysUserDetailsJobOperator(task_id='users', output='{out_dir.as_uri()}', lookback=None, "
            "deferrable=True, poll_interval=0.3)"
        )
    )
    for day in (2, 3):
        assert task_states(run_dag(source, utc(2026, 1, day))) == {"users": "success"}
    check_partitions(sandbox, out_dir)
    assert sandbox.count("POST genesys users jobs create") == 2  # one job per run
    assert sandbox.count("GET genesys users jobs results") >= 2
    assert sandbox.count("POST genesys users details/query") == 0
