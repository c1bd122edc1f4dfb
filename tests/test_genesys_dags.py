"""Genesys operators in real Airflow (SQLite metadata, dag.test()) against the sandbox."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.errors import ConfigurationError, OutputTooLargeError
from airflow_provider_ccanalytics.operators.base import resolve_window
from airflow_provider_ccanalytics.outputs import collect_for_xcom
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from tests.conftest import partition_dir, task_states, utc, xcom_result

pytestmark = pytest.mark.airflow
THREE_DAYS = DataSpec(conversations=60_000, start="2026-01-01T00:00:00Z", end="2026-01-04T00:00:00Z")
DAY_20K = DataSpec(conversations=20_000)
FAST = {"rate_limit": 300, "rate_window": 2.0}  # the vendor's 300 per window, time-scaled 30x
CLIENT_PACE = {"requests_per_minute": 300, "rate_window_seconds": 2}

DAG_TEMPLATE = """
from datetime import datetime, timedelta, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.genesys import (
    GenesysConversationAggregatesOperator, GenesysConversationDetailsJobOperator, GenesysConversationDetailsOperator)

with DAG("{dag_id}", schedule={schedule}, start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    {operator}
"""
DAILY = "CronDataIntervalTimetable('0 0 * * *', timezone='UTC')"


def dag_source(operator: str, dag_id: str = "genesys_test", schedule: str = DAILY) -> str:
    return DAG_TEMPLATE.format(dag_id=dag_id, schedule=schedule, operator=operator)


def read_partition(folder: Path) -> tuple[list[str], dict[str, Any]]:
    manifest = json.loads((folder / "_manifest.json").read_text())
    ids = []
    for entry in manifest["files"]:
        with gzip.open(folder / entry["path"], "rt") as handle:
            ids += [json.loads(line)["conversationId"] for line in handle]
    return ids, manifest


def partition(out_dir: Path, day: str) -> Path:
    return partition_dir(out_dir, "genesys", "conversation_details", day)


def test_details_operator_writes_each_conversation_once_and_reruns_replace(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    sandbox = sandbox_factory(THREE_DAYS, **FAST)
    connect("genesys_cloud_default", sandbox.genesys_connection(**CLIENT_PACE))
    source = dag_source(f"GenesysConversationDetailsOperator(task_id='details', output='{out_dir.as_uri()}')")
    for day in (2, 3, 4):
        run = run_dag(source, utc(2026, 1, day))
        assert task_states(run) == {"details": "success"}
        if day == 2:  # one query per partition, sized from totalHits: full pages of 100 but the last
            first_day = len(
                sandbox.data.conversation_ids_started(utc(2026, 1, 1).timestamp(), utc(2026, 1, 2).timestamp())
            )
            lookback_days = 3  # 2025-12-29..31: no data, one request each
            assert sandbox.count("POST genesys details/query") == -(-first_day // 100) + lookback_days
    # parts are byte-identical on a rerun; the manifest differs only in when it was extracted
    first_bytes = {p.name: p.read_bytes() for p in partition(out_dir, "2026-01-01").iterdir() if p.suffix != ".json"}
    stale = partition(out_dir, "2026-01-01") / "part-09999.jsonl.gz"
    stale.write_bytes(b"left over by an older run")
    rerun = run_dag(source, utc(2026, 1, 2))
    assert task_states(rerun) == {"details": "success"}
    assert {
        p.name: p.read_bytes() for p in partition(out_dir, "2026-01-01").iterdir() if p.suffix != ".json"
    } == first_bytes
    for day in ("2026-01-01", "2026-01-02", "2026-01-03"):
        ids, manifest = read_partition(partition(out_dir, day))
        start = utc(2026, 1, int(day[-2:])).timestamp()
        assert ids == sandbox.data.conversation_ids_started(start, start + 86400)
        assert manifest["record_count"] == len(ids) and len(manifest["files"]) == 1  # one sub-window
        assert manifest["window"] == {"start": f"{day}T00:00:00.000Z", "end": manifest["window"]["end"]}
    assert (
        sum(len(read_partition(partition(out_dir, d))[0]) for d in ("2026-01-01", "2026-01-02", "2026-01-03")) == 60_000
    )
    assert sandbox.count("429 sent") == 0
    result = xcom_result(rerun, "details")
    assert result["record_count"] == len(read_partition(partition(out_dir, "2026-01-01"))[0])


def test_a_failed_rerun_leaves_the_previous_partition_untouched(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection())
    source = dag_source(
        f"GenesysConversationDetailsOperator(task_id='details', output='{out_dir.as_uri()}', split=timedelta(hours=6), "
        "lookback=None)"
    )
    sandbox.add_fault("details/query", status=503, times=2)
    assert task_states(run_dag(source, utc(2026, 1, 2))) == {"details": "success"}
    folder = partition(out_dir, "2026-01-01")
    manifest = json.loads((folder / "_manifest.json").read_text())
    assert [failure.split()[0] for failure in manifest["retried_failures"]] == ["503", "503"]
    assert read_partition(folder)[0] == sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    sandbox.add_fault("details/query", status=400, after=5, times=99, body={"message": "scripted mid-run failure"})
    assert task_states(run_dag(source, utc(2026, 1, 2))) == {"details": "failed"}
    assert sandbox.count("fault 400") >= 1
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # no partial parts, no temp files
    assert sorted(p.name for p in out_dir.rglob("*") if p.is_file()) == sorted(before)


def test_deferrable_details_job_operator_defers_resumes_and_writes_the_ground_truth(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    sandbox = sandbox_factory(DAY_20K, job_seconds=1.0, **FAST)
    connect("genesys_cloud_default", sandbox.genesys_connection(**CLIENT_PACE))
    source = dag_source(
        f"GenesysConversationDetailsJobOperator(task_id='job', output='{out_dir.as_uri()}', deferrable=True, "
        "poll_interval=0.3)"
    )
    run = run_dag(source, utc(2026, 1, 2))
    assert task_states(run) == {"job": "success"}
    ids, manifest = read_partition(partition(out_dir, "2026-01-01"))
    assert ids == sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
    assert len(ids) == 20_000 and manifest["query"]["endpoint"] == "details/jobs"
    assert sandbox.count("GET genesys jobs status") >= 2  # polled by the trigger until FULFILLED


@pytest.mark.parametrize("outcome", ["FAILED", "EXPIRED"])
def test_a_failed_or_expired_job_fails_the_task(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], outcome: str
) -> None:
    sandbox = sandbox_factory(job_seconds=0.2)
    sandbox.fail_next_job(outcome)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    run = run_dag(
        dag_source("GenesysConversationDetailsJobOperator(task_id='job', deferrable=True, poll_interval=0.2)"),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"job": "failed"}
    assert sandbox.count("GET genesys jobs results") == 0


def test_a_killed_job_task_cancels_the_remote_job(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any]
) -> None:
    sandbox = sandbox_factory(job_seconds=120)
    # the timeout must fall after the job is created even on a busy machine (2 s did not, at load 7), and long
    # before the 120 s job ends
    connect("genesys_cloud_default", sandbox.genesys_connection())
    run = run_dag(
        dag_source(
            "GenesysConversationDetailsJobOperator(task_id='job', deferrable=False, "
            "poll_interval=0.2, execution_timeout=timedelta(seconds=10))"
        ),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"job": "failed"}
    assert [sandbox.job_state(job) for job in sandbox._jobs] == ["CANCELLED"]
    assert sandbox.count("DELETE genesys jobs delete") == 1


def test_job_operator_fails_fast_when_data_is_not_yet_available(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any]
) -> None:
    sandbox = sandbox_factory(availability_lag=400 * 86400)  # the vendor has not processed January yet
    connect("genesys_cloud_default", sandbox.genesys_connection())
    run = run_dag(
        dag_source("GenesysConversationDetailsJobOperator(task_id='job', wait_for_availability=False)"),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"job": "failed"}
    assert sandbox.count("POST genesys jobs create") == 0


def test_aggregates_operator_returns_rows_equal_to_ground_truth(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any]
) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection())
    run = run_dag(
        dag_source(
            "GenesysConversationAggregatesOperator(task_id='agg', metrics=['nOffered', 'nConnected', 'tHandle'], "
            "granularity='PT30M', group_by=['queueId'])"
        ),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"agg": "success"}
    rows = xcom_result(run, "agg")
    expected = sandbox.data.aggregates(
        sandbox.data.start, sandbox.data.end, "PT30M", ["queueId"], ["nOffered", "nConnected", "tHandle"]
    )
    sums: dict[tuple[str, str], int] = {}
    for row in rows:
        if row["stat"] in ("sum", "count"):
            key = (row["metric"], row["stat"])
            sums[key] = sums.get(key, 0) + row["value"]
    truth: dict[tuple[str, str], int] = {}
    for result in expected:
        for bucket in result["data"]:
            for metric in bucket["metrics"]:
                for stat in ("sum", "count"):
                    if stat in metric["stats"]:
                        key = (metric["metric"], stat)
                        truth[key] = truth.get(key, 0) + metric["stats"][stat]
    assert sums == truth and truth[("nOffered", "count")] == 1000


def test_a_run_without_a_data_interval_fails_with_the_fix(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any]
) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection())
    run = run_dag(  # '@daily' runs get their window from the schedule; a run at 05:00 is not one of them
        dag_source("GenesysConversationDetailsOperator(task_id='details')", schedule="'@daily'"),
        utc(2026, 1, 2, 5),
    )
    assert task_states(run) == {"details": "failed"}
    assert sandbox.count("POST genesys details/query") == 0
    with pytest.raises(ConfigurationError, match="CronDataIntervalTimetable"):
        resolve_window(None, None, {"data_interval_start": utc(2026, 1, 2), "data_interval_end": utc(2026, 1, 2)})
    with pytest.raises(ConfigurationError, match="no data interval"):
        resolve_window(None, None, {"data_interval_start": None, "data_interval_end": None})
    with pytest.raises(ConfigurationError, match="both start and end"):
        resolve_window("2026-01-01", None, {})


def test_explicit_templated_window_and_xcom_output(sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any]) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection())
    run = run_dag(
        dag_source(
            "GenesysConversationDetailsOperator(task_id='details', start='{{ macros.ds_add(ds, -1) }}T06:00:00Z', "
            "end='{{ macros.ds_add(ds, -1) }}T07:00:00Z')",
            schedule="'@daily'",
        ),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"details": "success"}
    records = xcom_result(run, "details")
    start = utc(2026, 1, 1, 6).timestamp()
    assert [r["conversationId"] for r in records] == sandbox.data.conversation_ids_started(start, start + 3600)


def test_xcom_output_is_capped_with_advice() -> None:
    with pytest.raises(OutputTooLargeError, match="output='file:///"):
        collect_for_xcom([lambda: iter({"n": n} for n in range(11))], limit=10)
