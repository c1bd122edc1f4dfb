"""Data that changes after the fact: grain, lookback and completeness against a sandbox whose data changes late.

The sandbox's clock is simulated (``SimulatedClock``): each DAG run happens at its own vendor time,
so days of late changes take seconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.partitions import (
    PartitionPlan,
    Window,
    WindowNotAlignedError,
    lookback_units,
    parse_lookback,
)
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from airflow_provider_ccanalytics.testing.clock import SimulatedClock
from tests.conftest import CXONE_TENANT, partition_dir, partition_dirs, task_states, utc, xcom_result
from tests.conftest import manifest_records as records

DAY, HOUR = 86400.0, 3600.0
FIVE_DAYS_LATE = DataSpec(
    conversations=1000,
    start="2026-01-01T00:00:00Z",
    end="2026-01-06T00:00:00Z",
    late_fraction=0.5,
    late_max_seconds=3 * DAY,
)
SIX_HOURS_SETTLING = DataSpec(
    contacts=600,
    start="2026-01-01T00:00:00Z",
    end="2026-01-01T06:00:00Z",
    contact_settle_seconds=(40 * 60, 90 * 60),
)
GENESYS_DAG = """
from datetime import datetime, timedelta, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator

with DAG("genesys_lookback", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    GenesysConversationDetailsOperator(task_id="details", output="{output}", split=timedelta(days=1), {args})
"""
CXONE_DAG = """
from datetime import datetime, timedelta, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.cxone import CxoneCompletedContactsOperator

with DAG("cxone_lookback", schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    CxoneCompletedContactsOperator(task_id="contacts", output="{output}", grain="hour", {args})
"""


def manifest_of(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "_manifest.json").read_text())


def day_folder(out_dir: Path, day: int) -> Path:
    return partition_dir(out_dir, "genesys", "conversation_details", f"2026-01-{day:02d}")


# -- grain and lookback arithmetic (pure) --------------------------------------------------------


def test_a_window_not_aligned_to_the_grain_is_refused() -> None:
    with pytest.raises(WindowNotAlignedError, match=r"2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z"):
        PartitionPlan.of(Window(utc(2026, 1, 1), utc(2026, 1, 1, 1)), "day")
    plan = PartitionPlan.of(Window(utc(2026, 1, 1), utc(2026, 1, 1, 3)), "hour", timedelta(minutes=90))
    assert [w.label() for w in plan.own] == ["2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"]
    assert [w.label() for w in plan.lookback] == ["2025-12-31T22:00:00Z", "2025-12-31T23:00:00Z"]
    assert lookback_units(Window(utc(2026, 1, 4), utc(2026, 1, 5)), timedelta(days=3), "day")[0].start == utc(
        2026, 1, 1
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("P3D", timedelta(days=3)),
        ("PT90M", timedelta(minutes=90)),
        ("3 days, 0:00:00", timedelta(days=3)),
        ("1:30:00", timedelta(minutes=90)),
        ("7200", timedelta(hours=2)),
        (3600, timedelta(hours=1)),
        ("None", None),
        (None, None),
    ],
)
def test_lookback_reads_what_templates_render(value: Any, expected: timedelta | None) -> None:
    assert parse_lookback(value) == expected


# -- against the sandbox, in real Airflow ----------------------------------------------------------


def run_days(
    sandbox: Sandbox, run_dag: Callable[..., Any], source: str, days: range, hour: int = 3
) -> list[dict[str, Any]]:
    """One daily run per day, each at ``hour`` o'clock of the next day in vendor time; returns the results."""
    clock = SimulatedClock(f"2026-01-{days[0] + 1:02d}T{hour:02d}:00:00Z")
    sandbox.clock = clock
    results = []
    for day in days:
        clock.set(utc(2026, 1, day + 1, hour).timestamp())
        run = run_dag(source, utc(2026, 1, day + 1))
        assert task_states(run) == {"details": "success"}
        results.append(xcom_result(run, "details"))
    return results


@pytest.mark.airflow
def test_daily_runs_with_lookback_end_with_the_final_truth_and_without_it_stay_stale(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(FIVE_DAYS_LATE, availability_lag=6 * HOUR)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    data = sandbox.data
    final = {day: data.conversations_started(*_day(day)) for day in range(1, 6)}
    with_lookback, without = tmp_path / "lookback", tmp_path / "none"
    # days 1..5 hold data; runs go on to day 8 so that day 5's last changes (up to 3 days late) are fetched
    results = run_days(sandbox, run_dag, GENESYS_DAG.format(output=with_lookback.as_uri(), args=""), range(1, 9))
    assert [len(r["partitions"]) for r in results] == [4] * 8  # 3 lookback partitions + the run's day
    for day in range(1, 6):
        got = records(day_folder(with_lookback, day))
        assert got == final[day], f"day {day} differs from the final truth"
        manifest = manifest_of(day_folder(with_lookback, day))
        assert manifest["complete"] is True and manifest["open_conversations"] == 0
        assert manifest["lookback"] is True and manifest["grain"] == "day"
    # the first extraction of each day was before the vendor's watermark: complete=false then
    assert [r["complete"] for r in results[:5]] == [False] * 5
    first_day_1 = results[0]["partitions"][-1]
    assert first_day_1["partition_key"] == "2026-01-01T00:00:00Z" and first_day_1["complete"] is False

    results_off = run_days(
        sandbox, run_dag, GENESYS_DAG.format(output=without.as_uri(), args="lookback=None"), range(1, 9)
    )
    assert [len(r["partitions"]) for r in results_off] == [1] * 8
    stale = {day: records(day_folder(without, day)) for day in range(1, 6)}
    for day in range(1, 6):  # the same conversations, but extracted once: many still open or without wrap-up
        assert [c["conversationId"] for c in stale[day]] == [c["conversationId"] for c in final[day]]
    differing = sum(a != b for day in range(1, 6) for a, b in zip(stale[day], final[day], strict=True))
    open_then = sum(manifest_of(day_folder(without, day))["open_conversations"] for day in range(1, 6))
    print(f"lookback off: {differing} of {sum(map(len, final.values()))} records stale, {open_then} still open")
    assert differing > 100 and open_then > 0
    assert all(manifest_of(day_folder(without, day))["complete"] is False for day in range(1, 6))
    # the stale partitions match the truth as it was when they were extracted
    assert stale[2] == data.conversations_started(*_day(2), as_of=utc(2026, 1, 3, 3).timestamp())


def _day(day: int) -> tuple[float, float]:
    start = utc(2026, 1, day).timestamp()
    return start, start + DAY


@pytest.mark.airflow
def test_hourly_cxone_runs_with_contacts_settling_late_miss_none_with_lookback(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(SIX_HOURS_SETTLING)
    connect("nice_cxone_default", sandbox.cxone_connection())
    data = sandbox.data
    clock = SimulatedClock("2026-01-01T01:30:00Z")
    sandbox.clock = clock
    found: dict[str, set[int]] = {}
    for label, args in (("lookback", ""), ("none", "lookback=None")):
        out = tmp_path / label
        source = CXONE_DAG.format(output=out.as_uri(), args=args)
        for hour in range(0, 9):  # data in hours 0-5; runs go on until their lookback covers hour 5
            clock.set(utc(2026, 1, 1, hour + 1, 30).timestamp())  # when the run would start: end + margin
            run = run_dag(source, utc(2026, 1, 1, hour + 1))
            assert task_states(run) == {"contacts": "success"}
        every = [
            c["contactId"] for folder in partition_dirs(out, "cxone", "completed_contacts") for c in records(folder)
        ]
        assert len(every) == len(set(every))  # no duplicates, within or across partitions
        found[label] = set(every)
    truth = set(data.contact_ids_started(data.start, data.end))
    assert len(truth) == 600
    print(f"contacts found: with lookback {len(found['lookback'])}, without {len(found['none'])} of {len(truth)}")
    assert found["lookback"] == truth  # none missing at the end
    assert len(truth - found["none"]) > 20  # without lookback, contacts that settled late are lost


SIX_HOURS_CHANGING = DataSpec(
    contacts=600,
    start="2026-01-01T00:00:00Z",
    end="2026-01-01T06:00:00Z",
    contact_settle_seconds=(40 * 60, 90 * 60),
    contact_change_max_seconds=30 * 60,
    late_fraction=0.4,
)


@pytest.mark.airflow
def test_incremental_cxone_runs_fetch_only_changes_and_end_with_the_final_truth(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(SIX_HOURS_CHANGING)
    connect("nice_cxone_default", sandbox.cxone_connection())
    data = sandbox.data
    final = {c["contactId"]: c for c in map(sandbox.contact_record, data.contacts_started(data.start, data.end))}
    clock = SimulatedClock("2026-01-01T01:30:00Z")
    sandbox.clock = clock
    sent: dict[str, int] = {}
    for mode in ("full", "incremental"):
        out = tmp_path / mode
        source = CXONE_DAG.format(output=out.as_uri(), args=f"mode='{mode}'")
        sandbox.reset_stats()
        for hour in range(0, 9):
            clock.set(utc(2026, 1, 1, hour + 1, 30).timestamp())
            assert task_states(run_dag(source, utc(2026, 1, 1, hour + 1))) == {"contacts": "success"}
        sent[mode] = sandbox.stats()["bytes_sent"]
        got: dict[int, dict[str, Any]] = {}
        for folder in sorted(partition_dirs(out, "cxone", "completed_contacts")):
            for contact in records(folder):
                assert contact["contactId"] not in got  # each contact in one partition only
                got[contact["contactId"]] = contact
            assert manifest_of(folder)["query"]["mode"] == mode
        assert got == final, mode  # every contact, with its late change (lastUpdateTime, duration)
    changed_late = sum(
        c["lastUpdateTime"] != data.contact(i, as_of=0)["lastUpdateTime"] for i, c in enumerate(final.values())
    )
    print(f"bytes sent by the sandbox: {sent}; contacts changed after first seen: {changed_late}")
    assert changed_late > 50
    assert sent["incremental"] < sent["full"] * 0.75  # lookback partitions fetch only what changed


JOB_DAG = """
from datetime import datetime, timedelta, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsJobOperator

with DAG("genesys_job_lookback", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    GenesysConversationDetailsJobOperator(task_id="job", output="{output}", poll_interval=0.2,
                                          lookback="P1D", deferrable=False)
"""


@pytest.mark.airflow
def test_details_job_operator_covers_its_lookback_partitions_in_one_job(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    spec = DataSpec(conversations=800, start="2026-01-01T00:00:00Z", end="2026-01-03T00:00:00Z")
    sandbox = sandbox_factory(spec, job_seconds=0.4)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    run = run_dag(JOB_DAG.format(output=out_dir.as_uri()), utc(2026, 1, 3))
    assert task_states(run) == {"job": "success"}
    assert sandbox.count("POST genesys jobs create") == 1
    assert sandbox.count("GET genesys jobs results") == 1  # 800 results in one page of 1000, read once
    assert [p["partition_key"] for p in xcom_result(run, "job")["partitions"]] == [
        "2026-01-01T00:00:00Z",
        "2026-01-02T00:00:00Z",
    ]
    for day in (1, 2):
        assert records(day_folder(out_dir, day)) == sandbox.data.conversations_started(*_day(day))


def test_a_window_of_hundreds_of_days_warns_with_the_request_estimate() -> None:
    from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator

    operator = GenesysConversationDetailsOperator(task_id="long", output="file:///tmp/unused")
    plan = PartitionPlan.of(Window(utc(2025, 1, 1), utc(2026, 1, 1)), "day", timedelta(days=3))
    warning = operator.large_run_warning(plan) or ""
    assert "368 day partitions" in warning and "about 368 requests" in warning  # one query per day at least
    hourly = GenesysConversationDetailsOperator(task_id="hourly", output="file:///tmp/unused", split=timedelta(hours=1))
    assert f"about {368 * 24} requests" in (hourly.large_run_warning(plan) or "")
    assert operator.large_run_warning(PartitionPlan.of(Window(utc(2025, 1, 1), utc(2025, 4, 1)), "day")) is None


def test_the_sandbox_serves_the_truth_as_of_its_clock(sandbox_factory: Callable[..., Sandbox]) -> None:
    from tests import clients

    sandbox = sandbox_factory(FIVE_DAYS_LATE, availability_lag=6 * HOUR)
    clock = SimulatedClock("2026-01-02T03:00:00Z")
    sandbox.clock = clock
    data, client, day_one = sandbox.data, clients.genesys(sandbox), Window(utc(2026, 1, 1), utc(2026, 1, 2))
    early = list(client.iter_conversation_details(day_one))
    assert early == data.conversations_started(*_day(1), as_of=clock())
    assert sum("conversationEnd" not in c for c in early) > 20  # closed late by the vendor
    lag = clock() - client.data_availability().timestamp()
    assert 6 * HOUR - 1 < lag < 6 * HOUR + 1  # the watermark lags 6 hours
    clock.set(utc(2026, 1, 6).timestamp())
    assert list(client.iter_conversation_details(day_one)) == data.conversations_started(*_day(1))  # final
    assert data.conversations_started(*_day(1)) != early
    assert data.conversations_started(*_day(6)) == []
    clock.set(utc(2026, 1, 3, 12).timestamp())  # mid-day 3: later conversations do not exist yet
    visible = list(client.iter_conversation_details(Window(utc(2026, 1, 3), utc(2026, 1, 4))))
    assert 0 < len(visible) < len(data.conversations_started(*_day(3)))


@pytest.mark.parametrize("output_format", ["jsonl.gz", "parquet"])
def test_a_merge_replaces_changed_records_and_keeps_the_rest(out_dir: Path, output_format: str) -> None:
    from airflow_provider_ccanalytics.operators.spool import merged_source
    from airflow_provider_ccanalytics.outputs import partition_path, read_manifest, write_partition

    unit = Window(utc(2026, 1, 1), utc(2026, 1, 1, 1))
    first = [{"contactId": str(n), "v": 0} for n in range(5)]
    args = dict(vendor="cxone", dataset="completed_contacts", window=unit, output_format=output_format)
    args["scope"] = CXONE_TENANT
    write_partition(out_dir.as_uri(), sources=[lambda: iter(first[:3]), lambda: iter(first[3:])], **args)
    partition = partition_path(out_dir.as_uri(), "cxone", "completed_contacts", unit, scope=CXONE_TENANT)
    manifest = read_manifest(partition)
    assert manifest is not None and manifest["record_count"] == 5
    changed = [{"contactId": "1", "v": 1}, {"contactId": "7", "v": 1}]
    write_partition(out_dir.as_uri(), sources=[merged_source(partition, changed, "contactId")], **args)
    again = read_manifest(partition)  # the merge replaced the partition it read from
    assert again is not None and again["record_count"] == 6 and len(again["files"]) == 1
    folder = partition_dir(out_dir, "cxone", "completed_contacts")
    assert sorted(p.name for p in folder.iterdir()) == sorted(["_manifest.json", "_SUCCESS", again["files"][0]["path"]])
    read_back = merged_source(partition, [], "contactId")
    assert list(read_back()) == [first[0], first[2], first[3], first[4], *changed]
