"""CXone change capture over all history (``mode="changes"``), over the wire against the sandbox.

Contacts last up to 12 hours and a share changes once more after it first appears (``late.py``: NICE's
``lastUpdateTime`` moves, after-call work is added): hourly runs keep one watermark per connection in an
Airflow Variable and merge every contact updated since it into the partition of its own start.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from airflow_provider_ccanalytics.testing.clock import SimulatedClock
from tests.conftest import manifest_records, partition_dirs, task_states, utc, xcom_result

HOUR = 3600.0
LONG_CHANGING = DataSpec(
    contacts=200,
    start="2026-01-01T00:00:00Z",
    end="2026-01-01T06:00:00Z",
    contact_max_seconds=12 * HOUR,
    late_fraction=0.3,
    contact_change_max_seconds=2 * HOUR,  # a changing contact is updated once more up to 2 h after it appears
)
DAG = """
from datetime import datetime, timedelta, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.cxone import CxoneCompletedContactsOperator

with DAG("{name}", schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    CxoneCompletedContactsOperator(task_id="contacts", output="{output}", grain="hour", {args})
"""
VARIABLE = "ccanalytics_cdc_nice_cxone_default"


def forget_watermarks() -> None:
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session

    with create_session() as session:
        session.query(Variable).filter(Variable.key.like("ccanalytics_cdc_%")).delete(synchronize_session=False)


def stored(out: Path) -> dict[int, list[dict[str, Any]]]:
    """Every stored contact by id (a list: a contact stored twice shows as two)."""
    found: dict[int, list[dict[str, Any]]] = {}
    for folder in partition_dirs(out, "cxone", "completed_contacts", start="2026-01-01T00:00:00Z"):
        for record in manifest_records(folder):
            found.setdefault(int(record["contactId"]), []).append(record)
    return found


def hourly(
    sandbox: Sandbox, run_dag: Callable[..., Any], out: Path, hours: range, args: str, dags: tuple[str, ...] = ("a",)
) -> list[dict[str, Any]]:
    """One run per hour (started at the window's end + 30 min, vendor time), alternating between ``dags``."""
    clock = sandbox.clock
    assert isinstance(clock, SimulatedClock)
    results = []
    for hour in hours:
        clock.set(utc(2026, 1, 1, hour + 1, 30).timestamp())
        name = dags[hour % len(dags)]
        run = run_dag(DAG.format(name=f"cdc_{name}", output=out.as_uri(), args=args), utc(2026, 1, 1, hour + 1))
        assert task_states(run) == {"contacts": "success"}
        results.append(xcom_result(run, "contacts"))
    return results


@pytest.fixture
def cxone(sandbox_factory: Callable[..., Sandbox], connect: Any, airflow_db: Path) -> Sandbox:
    forget_watermarks()
    sandbox = sandbox_factory(LONG_CHANGING, rate_limit=None)
    connect("nice_cxone_default", sandbox.cxone_connection())
    sandbox.clock = SimulatedClock("2026-01-01T01:30:00Z")
    return sandbox


def finals(sandbox: Sandbox) -> dict[int, dict[str, Any]]:
    data = sandbox.data
    indexes = data.contacts_started(data.start, data.end)
    return {int(sandbox.contact_record(i)["contactId"]): sandbox.contact_record(i) for i in indexes}


@pytest.mark.airflow
def test_hourly_change_capture_loses_no_contact_up_to_12_hours_and_keeps_each_latest_version(
    cxone: Sandbox, run_dag: Callable[..., Any], tmp_path: Path
) -> None:
    data, truth = cxone.data, finals(cxone)
    assert max(data.contact_seconds) > 11 * HOUR
    changed_twice = [
        key
        for key, index in zip(truth, data.contacts_started(data.start, data.end), strict=True)
        if cxone.contact_record(index, data.contact_settles_at(index)) != truth[key]
    ]
    assert len(changed_twice) > 20  # a share appears, then is updated once more
    before = cxone.stats().get("GET cxone contacts/completed", 0)
    results = hourly(cxone, run_dag, tmp_path, range(0, 23), "mode='changes', longest_contact=timedelta(hours=12)")
    requests = cxone.stats().get("GET cxone contacts/completed", 0) - before
    found = stored(tmp_path)
    lost = set(truth) - set(found)
    twice = [key for key, records in found.items() if len(records) > 1]
    stale = [key for key in truth if key in found and found[key][0] != truth[key]]
    print(
        f"\nchanges mode, 200 contacts up to 12 h, 23 hourly runs: lost {len(lost)}, stored twice {len(twice)}, "
        f"stale {len(stale)} (of {len(changed_twice)} updated twice); contacts requests {requests}"
    )
    assert results[0]["changes"]["how"] == "first run" and results[1]["changes"]["how"] == "changes"
    assert not lost and not twice and not stale
    assert requests <= 23 + 1  # one change query per run (no page over 10,000), plus the first run's window
    watermark = json.loads(_variable(VARIABLE))["lastPollTime"]
    # the vendor's clock at the first page of the last run that found changes (the last version is written at
    # 17:36); the runs after it were answered 204 (no lastPollTime) and kept the watermark
    assert watermark.startswith("2026-01-01T18:30")


@pytest.mark.airflow
def test_a_watermark_older_than_the_allowed_age_re_extracts_the_affected_partitions_once(
    cxone: Sandbox, run_dag: Callable[..., Any], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    args = "mode='changes', longest_contact=timedelta(hours=12), max_watermark_age=timedelta(hours=3)"
    hourly(cxone, run_dag, tmp_path, range(0, 2), args)
    # an outage: no run from 02:30 to 09:30; the watermark (02:30) is 8 h old at 10:30
    outage = hourly(cxone, run_dag, tmp_path, range(9, 10), args)[0]
    assert outage["changes"]["how"] == "watermark too old"
    # from the hour holding the watermark minus longest_contact + margin (2025-12-31T14:00) to the window's end
    assert outage["changes"]["partitions_written"] == 20
    warnings = [r for r in caplog.records if "more than max_watermark_age" in r.getMessage()]
    assert len(warnings) == 1  # logged once
    hourly(cxone, run_dag, tmp_path, range(10, 23), args)
    truth, found = finals(cxone), stored(tmp_path)
    assert set(found) == set(truth) and all(len(records) == 1 for records in found.values())
    assert all(found[key][0] == truth[key] for key in truth)


@pytest.mark.airflow
def test_two_workers_alternating_on_one_connection_share_the_watermark_and_lose_no_change(
    cxone: Sandbox, run_dag: Callable[..., Any], tmp_path: Path
) -> None:
    """Two DAGs (two task instances, any worker) on one connection and output, alternating hour by hour: each
    reads the Variable the other advanced (sequential; concurrent merges are redone on a first commit, below)."""
    results = hourly(cxone, run_dag, tmp_path, range(0, 23), "mode='changes'", dags=("a", "b"))
    assert [result["changes"]["how"] for result in results[:3]] == ["first run", "changes", "changes"]
    assert results[2]["changes"]["since"] == results[1]["changes"]["watermark"]  # b read what a advanced
    truth, found = finals(cxone), stored(tmp_path)
    assert set(found) == set(truth) and all(len(records) == 1 for records in found.values())
    assert all(found[key][0] == truth[key] for key in truth)


def test_a_change_older_than_the_stored_record_never_replaces_it(tmp_path: Path) -> None:
    from airflow_provider_ccanalytics.core.partitions import Window
    from airflow_provider_ccanalytics.operators.cxone_changes import latest_versions, merged
    from airflow_provider_ccanalytics.outputs import write_partition

    unit = Window.of("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z")
    new = {"contactId": 1, "contactStartDate": "2026-01-01T00:10:00Z", "lastUpdateTime": "2026-01-01T03:00:00Z"}
    old = {**new, "lastUpdateTime": "2026-01-01T02:00:00Z", "stale": True}
    other = {"contactId": 2, "contactStartDate": "2026-01-01T00:20:00Z", "lastUpdateTime": "2026-01-01T02:00:00Z"}
    touched = latest_versions(iter([new, other, old]), "hour")
    assert touched[unit]["1"] == new  # the latest version, whatever the order read
    written = write_partition(
        tmp_path.as_uri(), vendor="cxone", dataset="c", window=unit, sources=[lambda: iter([new])]
    )
    assert list(merged(written["uri"], {"1": old, "2": other})()) == [new, other]


def _variable(name: str) -> str:
    from airflow.models.variable import Variable

    return str(Variable.get(name))


def test_a_merge_superseded_by_another_writer_is_redone_on_the_winners_commit(
    sandbox: Sandbox, connect: Any, tmp_path: Path
) -> None:
    """Two writers merge changes into one partition at once: the first commit wins, the other's merge is redone
    on top of it, so neither writer's changes are lost."""
    from airflow_provider_ccanalytics.core.partitions import Window
    from airflow_provider_ccanalytics.operators.cxone import CxoneCompletedContactsOperator
    from airflow_provider_ccanalytics.operators.cxone_changes import ChangeCapture, merged
    from airflow_provider_ccanalytics.outputs import partition_path, read_partition, write_partition

    connect("nice_cxone_default", sandbox.cxone_connection())
    operator = CxoneCompletedContactsOperator(task_id="t", output=tmp_path.as_uri(), grain="hour", mode="changes")
    operator.partition_scope = lambda: "tenant=t"  # type: ignore[method-assign]
    unit = Window.of("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z")
    folder = partition_path(operator.destination, "cxone", "completed_contacts", unit, None, "tenant=t")
    mine = {"contactId": 1, "contactStartDate": "2026-01-01T00:10:00Z", "lastUpdateTime": "2026-01-01T02:00:00Z"}
    theirs = {"contactId": 2, "contactStartDate": "2026-01-01T00:20:00Z", "lastUpdateTime": "2026-01-01T02:00:00Z"}
    reads: list[int] = []

    def sources(window: Window, status: Any) -> list[Any]:
        def read() -> Any:
            reads.append(1)
            if len(reads) == 1:  # the other writer commits while this one stages its merge
                write_partition(
                    operator.destination,
                    vendor="cxone",
                    dataset="completed_contacts",
                    window=unit,
                    scope="tenant=t",
                    sources=[merged(folder, {"2": theirs})],
                )
            yield from merged(folder, {"1": mine})()

        return [read]

    manifest = ChangeCapture(operator)._write(unit, sources)
    assert len(reads) == 2 and not manifest.get("superseded")
    assert sorted(record["contactId"] for record in read_partition(folder)) == [1, 2]


@pytest.mark.parametrize("options", [{}, {"output": "file:///tmp/x", "output_format": "delta"}])
def test_change_capture_needs_file_partitions(options: dict[str, Any]) -> None:
    from airflow_provider_ccanalytics.core.errors import ConfigurationError
    from airflow_provider_ccanalytics.core.partitions import Window
    from airflow_provider_ccanalytics.operators.cxone import CxoneCompletedContactsOperator
    from airflow_provider_ccanalytics.operators.cxone_changes import ChangeCapture

    operator = CxoneCompletedContactsOperator(task_id="t", grain="hour", mode="changes", **options)
    with pytest.raises(ConfigurationError, match="file partitions"):
        ChangeCapture(operator).run(Window.of("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"))
