"""Genesys workforce management: the management units snapshot and historical adherence through the bulk job,
against the sandbox's ground truth (:mod:`airflow_provider_ccanalytics.testing.workforce`)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.catalog import flattener_for, schema_for
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from airflow_provider_ccanalytics.testing.common import iso, parse_ts
from airflow_provider_ccanalytics.testing.sandbox.foreign import ForeignHost
from airflow_provider_ccanalytics.testing.workforce import Adherence, management_units
from tests.conftest import ROOT, manifest_records, partition_dir, partition_dirs, task_states, utc, xcom_result
from tests.support.state_store import MemoryStateStore

TWO_DAYS = DataSpec(conversations=600, start="2026-01-01T00:00:00Z", end="2026-01-03T00:00:00Z")
DAYS = ("2026-01-01", "2026-01-02")

DAG = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow_provider_ccanalytics.operators.endpoints import GenesysEntitiesOperator
from airflow_provider_ccanalytics.operators.genesys_workforce import GenesysHistoricalAdherenceOperator
with DAG("workforce", schedule=None, start_date=datetime(2025, 12, 1, tzinfo=timezone.utc)) as dag:
    GenesysEntitiesOperator(task_id="management_units", entity="management_units", output="{out}")
    GenesysHistoricalAdherenceOperator(task_id="adherence", output="{out}", start="{start}", end="{end}",
                                       poll_interval=0.2, deferrable={deferrable}{more})
"""


@pytest.fixture
def foreign() -> Iterator[ForeignHost]:
    with ForeignHost("127.0.0.2") as host:
        yield host


def truth(sandbox: Sandbox, day: str) -> list[dict[str, Any]]:
    """The sandbox's user-day rows of ``day`` as the dataset writes them (instants as ISO text)."""
    start = parse_ts(f"{day}T00:00:00Z")
    rows = []
    for row in Adherence(sandbox.data.activity, sandbox.data.spec.seed).user_days(start, start + 86_400):
        rows.append(
            {
                **row,
                "dayStart": iso(row["dayStart"]),
                "exceptions": [(iso(e["start"]), iso(e["end"]), e["impact"]) for e in row["exceptions"]],
                "actuals": [(iso(a), iso(b), c) for a, b, c in row["actuals"]],
            }
        )
    return rows


def written(record: dict[str, Any]) -> dict[str, Any]:
    """A written record in the shape of :func:`truth` (exceptions and actuals reduced to their spans)."""
    return {
        **{key: value for key, value in record.items() if key != "timeZone"},
        "exceptions": [(e["startTime"], e["endTime"], e["impact"]) for e in record["exceptions"]],
        "actuals": [(a["startTime"], a["endTime"], a["actualActivityCategory"]) for a in record["actuals"]],
    }


def same_instant(left: str, right: str) -> bool:
    return parse_ts(left) == parse_ts(right)


def check_days(sandbox: Sandbox, out_dir: Path) -> int:
    folders = partition_dirs(out_dir, "genesys", "adherence")
    assert [folder.name for folder in folders] == [f"interval_start={day}T00:00:00Z" for day in DAYS]
    total = 0
    for day, folder in zip(DAYS, folders, strict=True):
        records = manifest_records(folder)
        expected = truth(sandbox, day)
        assert len(records) == len(expected) == 25  # every user of every management unit, once
        got = {(r["managementUnitId"], r["userId"]): written(r) for r in records}
        for row in expected:
            mine = got[(row["managementUnitId"], row["userId"])]
            assert same_instant(mine.pop("dayStart"), row["dayStart"])
            mine["exceptions"] = [(parse_ts(a), parse_ts(b), i) for a, b, i in mine["exceptions"]]
            mine["actuals"] = [(parse_ts(a), parse_ts(b), c) for a, b, c in mine["actuals"]]
            want = {key: value for key, value in row.items() if key != "dayStart"}
            want["exceptions"] = [(parse_ts(a), parse_ts(b), i) for a, b, i in want["exceptions"]]
            want["actuals"] = [(parse_ts(a), parse_ts(b), c) for a, b, c in want["actuals"]]
            assert mine == want
        assert set().union(*records) <= set(schema_for("adherence").names)
        total += len(records)
    return total


@pytest.mark.airflow
def test_adherence_is_the_ground_truth_over_two_days_and_a_rerun_is_byte_identical(
    sandbox_factory: Any, connect: Any, run_dag: Any, out_dir: Path
) -> None:
    sandbox = sandbox_factory(TWO_DAYS, rate_limit=None)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    source = DAG.format(
        out=out_dir.as_uri(), start="2026-01-01T00:00:00Z", end="2026-01-03T00:00:00Z", deferrable=False, more=""
    )
    started = time.monotonic()
    states = task_states(run_dag(source, utc(2026, 1, 3)))
    seconds = time.monotonic() - started
    assert states == {"management_units": "success", "adherence": "success"}
    units = sorted(out_dir.glob("genesys/management_units/*/snapshot_date=*"))
    assert [record["id"] for record in manifest_records(units[0])] == [unit["id"] for unit in management_units()]
    assert manifest_records(units[0]) == management_units()
    total = check_days(sandbox, out_dir)
    polls = sandbox.count("GET genesys adherence/bulk/jobs")
    assert sandbox.count("POST genesys adherence/bulk") == 1 and polls >= 3  # one job, a few polls
    assert sandbox.count("GET genesys management_units") == 2  # the snapshot, and the operator's unit list
    assert sandbox.count("GET genesys wfm file") == 3  # a file per management unit, fetched without the token
    print(f"adherence: {total} records, {sandbox.count('requests')} requests, {seconds:.1f} s for two sandbox days")

    folder = partition_dir(out_dir, "genesys", "adherence", DAYS[0])
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix != ".json"}
    assert task_states(run_dag(source, utc(2026, 1, 3)))["adherence"] == "success"
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix != ".json"}
    assert after == before and before


@pytest.mark.airflow
def test_adherence_defers_while_the_job_runs_and_writes_tables(
    sandbox_factory: Any, connect: Any, run_dag: Any, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_ccanalytics.core.genesys.workforce import GenesysAdherenceJobs

    def no_wait_in_place(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a deferrable task waits in the triggerer, not in place")

    monkeypatch.setattr(GenesysAdherenceJobs, "wait", no_wait_in_place)
    sandbox = sandbox_factory(TWO_DAYS, rate_limit=None)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    source = DAG.format(
        out=out_dir.as_uri(),
        start="2026-01-01T00:00:00Z",
        end="2026-01-03T00:00:00Z",
        deferrable=True,
        more=", layout='tables'",
    )
    assert task_states(run_dag(source, utc(2026, 1, 3)))["adherence"] == "success"
    assert sandbox.count("GET genesys adherence/bulk/jobs") >= 3
    folder = partition_dir(out_dir, "genesys", "adherence", DAYS[0])
    tables = {path.name for path in folder.iterdir() if path.is_dir()}
    assert tables == set(flattener_for("adherence").tables)
    expected = truth(sandbox, DAYS[0])
    manifest = json.loads((folder / "_manifest.json").read_text())
    counts = {entry["table"]: entry["records"] for entry in manifest["files"]}
    assert counts == {
        "days": len(expected),
        "exceptions": sum(len(row["exceptions"]) for row in expected),
        "actuals": sum(len(row["actuals"]) for row in expected),
    }


@pytest.mark.airflow
@pytest.mark.parametrize("listed", [False, True])
def test_the_result_files_come_only_from_a_download_host_and_never_with_the_token(
    sandbox_factory: Any, connect: Any, run_dag: Any, out_dir: Path, foreign: ForeignHost, listed: bool
) -> None:
    sandbox = sandbox_factory(TWO_DAYS, rate_limit=None)
    extra = {"download_hosts": "127.0.0.2"} if listed else {}
    connect("genesys_cloud_default", sandbox.genesys_connection(**extra))
    sandbox.add_fault(
        r"/adherence/historical/bulk/jobs/", status=None, method="GET", times=1000, foreign_links=foreign.base_url
    )
    source = DAG.format(
        out=out_dir.as_uri(), start="2026-01-01T00:00:00Z", end="2026-01-02T00:00:00Z", deferrable=False, more=""
    )
    states = task_states(run_dag(source, utc(2026, 1, 2)))
    assert foreign.authorizations() == []
    if listed:  # the user's own download host: fetched, without the bearer token (its planted CSV is no result)
        assert foreign.requests and all("/wfm-files/" in path for _method, path, _headers in foreign.requests)
    else:  # 127.0.0.2 is neither the connection's host nor a download host: refused before a byte is sent
        assert foreign.requests == [] and states["adherence"] == "failed"
        assert not list(out_dir.glob("**/adherence/**/*.jsonl.gz"))


def expected_report(sandbox: Sandbox, day: str) -> dict[str, list[dict[str, Any]]]:
    """The report's figures computed from the sandbox's own model (evaluations, schedules and activity)."""
    start = parse_ts(f"{day}T00:00:00Z")
    queue_names = {queue["id"]: queue["name"] for queue in sandbox.data.entities("genesys", "queues")}
    scores: dict[str, list[float]] = {}
    for item in sandbox.data.evaluations_changed(start, start + 86_400):
        scores.setdefault(queue_names[item["queue"]["id"]], []).append(item["answers"]["totalScore"])
    by_queue = [
        {"queue": name, "evaluations": len(values), "average_score": round(sum(values) / len(values), 1)}
        for name, values in scores.items()
    ]
    unit_names = {unit["id"]: unit["name"] for unit in management_units()}
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in Adherence(sandbox.data.activity, sandbox.data.spec.seed).user_days(start, start + 86_400):
        groups.setdefault(unit_names[row["managementUnitId"]], []).append(row)
    by_unit = []
    for name, rows in groups.items():
        planned = sum(row["adherenceScheduleSeconds"] for row in rows)
        kept = sum(row["adherenceScheduleSeconds"] * row["adherencePercentage"] / 100 for row in rows)
        queue = sum(row["conformanceScheduleSeconds"] for row in rows)
        by_unit.append(
            {
                "management_unit": name,
                "users": len(rows),
                "scheduled_hours": round(planned / 3600, 1),
                "adherence_pct": round(100 * kept / planned, 1),
                "conformance_pct": round(100 * sum(row["conformanceActualSeconds"] for row in rows) / queue, 1),
            }
        )
    return {
        "evaluations_by_queue": sorted(by_queue, key=lambda row: (-row["evaluations"], row["queue"])),
        "adherence_by_management_unit": sorted(by_unit, key=lambda row: row["management_unit"]),
    }


@pytest.mark.airflow
def test_the_quality_and_workforce_example_reports_the_ground_truth(
    sandbox_factory: Any, connect: Any, run_dag: Any, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = sandbox_factory(
        DataSpec(conversations=600, start="2026-01-01T00:00:00Z", end="2026-01-06T00:00:00Z"), rate_limit=None
    )
    connect("genesys_cloud_default", sandbox.genesys_connection())
    monkeypatch.setenv("CCANALYTICS_OUTPUT", out_dir.as_uri())
    monkeypatch.setenv("CCANALYTICS_POLL_SECONDS", "0.2")
    source = (ROOT / "example_dags" / "quality_and_workforce.py").read_text()
    run = run_dag(source, utc(2026, 1, 6), "quality_and_workforce")
    assert set(task_states(run).values()) == {"success"} and len(task_states(run)) == 6, task_states(run)
    root = out_dir / "quality_and_workforce"
    [folder] = partition_dirs(root, "genesys", "adherence")
    day = folder.name.removeprefix("interval_start=")[:10]
    report = xcom_result(run, "report")
    expected = expected_report(sandbox, day)
    assert report == expected
    assert expected["evaluations_by_queue"] and len(expected["adherence_by_management_unit"]) == 3
    assert partition_dir(root, "genesys", "evaluations", day).is_dir()
    assert partition_dir(root, "genesys", "evaluation_aggregates", day).is_dir()


@pytest.mark.airflow
def test_a_retry_reattaches_to_the_adherence_job_an_earlier_try_started(
    sandbox_factory: Any, connect: Any, monkeypatch: pytest.MonkeyPatch, airflow_db: Path
) -> None:
    from airflow_provider_ccanalytics.core.partitions import Window
    from airflow_provider_ccanalytics.operators import resume
    from airflow_provider_ccanalytics.operators.genesys_workforce import GenesysHistoricalAdherenceOperator

    sandbox = sandbox_factory(TWO_DAYS, rate_limit=None)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    store = MemoryStateStore()
    monkeypatch.setattr(resume, "task_state_store", lambda: store)
    window = Window.of("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
    units = [unit["id"] for unit in management_units()]

    def killed(job_id: str, window: Any) -> Any:
        raise RuntimeError("the worker was killed while the job ran")

    first = GenesysHistoricalAdherenceOperator(task_id="adherence", poll_interval=0.1, deferrable=False)
    monkeypatch.setattr(first, "run_job", killed)
    with pytest.raises(RuntimeError):
        first.start_job(window, management_unit_ids=units, time_zone="UTC")
    assert store.values[resume.JOB_STATE_KEY]["job_type"] == "genesys.historical_adherence"

    retry = GenesysHistoricalAdherenceOperator(task_id="adherence", poll_interval=0.1, deferrable=False)
    records = retry.start_job(window, management_unit_ids=units, time_zone="UTC")
    assert sandbox.count("POST genesys adherence/bulk") == 1  # the retry used the first try's job
    assert len(records) == 25 and store.values == {}  # written, then forgotten


@pytest.mark.airflow
def test_a_failed_job_fails_the_task_and_writes_nothing(
    sandbox_factory: Any, connect: Any, run_dag: Any, out_dir: Path
) -> None:
    sandbox = sandbox_factory(TWO_DAYS, rate_limit=None)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    sandbox.fail_next_job()
    source = DAG.format(
        out=out_dir.as_uri(), start="2026-01-01T00:00:00Z", end="2026-01-02T00:00:00Z", deferrable=False, more=""
    )
    assert task_states(run_dag(source, utc(2026, 1, 2)))["adherence"] == "failed"
    assert sandbox.count("GET genesys wfm file") == 0
    assert not list(out_dir.glob("**/adherence/**/_manifest.json"))


@pytest.mark.airflow
def test_chosen_units_and_users_only_to_xcom(
    sandbox_factory: Any, connect: Any, monkeypatch: pytest.MonkeyPatch, airflow_db: Path
) -> None:
    from airflow_provider_ccanalytics.core.partitions import Window
    from airflow_provider_ccanalytics.operators import resume
    from airflow_provider_ccanalytics.operators.genesys_workforce import GenesysHistoricalAdherenceOperator

    sandbox = sandbox_factory(TWO_DAYS, rate_limit=None)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    monkeypatch.setattr(resume, "task_state_store", lambda: None)
    unit = management_units()[1]["id"]
    expected = [row for row in truth(sandbox, DAYS[1]) if row["managementUnitId"] == unit][:2]
    users = [row["userId"] for row in expected]
    operator = GenesysHistoricalAdherenceOperator(
        task_id="adherence", management_unit_ids=[unit], user_ids=users, poll_interval=0.1, deferrable=False
    )
    records = operator.start_job(
        Window.of("2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"),
        management_unit_ids=operator.management_units(),
        time_zone="UTC",
        user_ids=users,
    )
    assert sandbox.count("GET genesys management_units") == 0  # the units were given
    assert [(r["managementUnitId"], r["userId"]) for r in records] == [(unit, user) for user in users]
    assert [r["adherencePercentage"] for r in records] == [row["adherencePercentage"] for row in expected]


@pytest.mark.airflow
def test_a_refused_result_url_is_renewed_from_a_fresh_status_read(
    sandbox_factory: Any, connect: Any, run_dag: Any, out_dir: Path
) -> None:
    sandbox = sandbox_factory(TWO_DAYS, rate_limit=None)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    sandbox.add_fault(r"/wfm-files/", status=403, times=1)  # as S3 answers an expired pre-signed URL
    source = DAG.format(
        out=out_dir.as_uri(), start="2026-01-01T00:00:00Z", end="2026-01-02T00:00:00Z", deferrable=False, more=""
    )
    assert task_states(run_dag(source, utc(2026, 1, 2)))["adherence"] == "success"
    assert sandbox.count("fault 403") == 1 and sandbox.count("GET genesys wfm file") == 3  # refused, then fetched
    assert len(manifest_records(partition_dir(out_dir, "genesys", "adherence", DAYS[0]))) == 25


@pytest.mark.airflow
@pytest.mark.parametrize("layout", ["records", "tables"])
def test_adherence_writes_typed_parquet(
    sandbox_factory: Any, connect: Any, run_dag: Any, out_dir: Path, layout: str
) -> None:
    import pyarrow.parquet as pq

    sandbox = sandbox_factory(TWO_DAYS, rate_limit=None)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    more = f", output_format='parquet', layout='{layout}'"
    source = DAG.format(
        out=out_dir.as_uri(), start="2026-01-01T00:00:00Z", end="2026-01-02T00:00:00Z", deferrable=False, more=more
    )
    assert task_states(run_dag(source, utc(2026, 1, 2)))["adherence"] == "success"
    folder = partition_dir(out_dir, "genesys", "adherence", DAYS[0])
    tables = ["days", "exceptions", "actuals"] if layout == "tables" else [""]
    for table in tables:
        [part] = sorted((folder / table).glob("*.parquet"))
        schema = pq.read_schema(part)
        declared = schema_for("adherence", table if table else "")
        assert [name for name in schema.names if name != "_extra"] == list(declared.names)
        assert str(schema.field("dayStart").type).startswith("timestamp")
    if layout == "records":
        rows = pq.read_table(sorted(folder.glob("*.parquet"))[0]).to_pylist()
        truth_rows = {(r["managementUnitId"], r["userId"]): r for r in truth(sandbox, DAYS[0])}
        assert len(rows) == 25
        for row in rows:
            assert (
                row["adherencePercentage"]
                == truth_rows[(row["managementUnitId"], row["userId"])]["adherencePercentage"]
            )
