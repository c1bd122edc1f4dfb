"""CXone change capture (``mode="changes"``) against the sandbox's DEFAULT model, and why it holds.

The default model (``DataSpec()``: 1,000 contacts on 2026-01-01, up to 30 min long, none changes later) shows a
contact 30 minutes after it ends (NICE: contacts settle about 30 minutes after they end), and dates its
``lastUpdateTime`` at that instant: when reporting wrote it (``testing/contacts.py``). ``lastPollTime`` is the
server's clock, which NICE's docs advise passing as the next ``updatedSince``. So no contact updated before a
``lastPollTime`` appears after it, and change capture by ``lastPollTime`` loses nothing.

The tests that could fail: the sandbox's clock runs 20 minutes behind the worker's view of it (the runs start at
10 past the hour on the vendor's clock, while the client's own lower bound, window end + ``late_data_margin``,
says 30 past), so a watermark taken from the client's clock skips the contacts that appear in between; and the
earlier model (``lastUpdateTime`` = end + 60 s, visible at end + 30 min) loses contacts whatever the client does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.testing import Dataset, DataSpec, Sandbox
from airflow_provider_ccanalytics.testing.clock import SimulatedClock
from airflow_provider_ccanalytics.testing.common import iso, parse_ts
from tests.conftest import manifest_records, partition_dirs, task_states, utc, xcom_result

DAG = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.cxone import CxoneCompletedContactsOperator

with DAG("cdc_default", schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    CxoneCompletedContactsOperator(task_id="contacts", output="{output}", grain="hour", mode="changes")
"""
#: the runs start this many minutes after their window's end on the vendor's clock (the client assumes 30)
VENDOR_MINUTES_PAST = 10
REQUESTS = "GET cxone contacts/completed"


def forget_watermarks() -> None:
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session

    with create_session() as session:
        session.query(Variable).filter(Variable.key.like("ccanalytics_cdc_%")).delete(synchronize_session=False)


@pytest.fixture
def cxone(sandbox_factory: Callable[..., Sandbox], connect: Any, airflow_db: Path) -> Sandbox:
    forget_watermarks()
    sandbox = sandbox_factory(DataSpec(), rate_limit=None)  # the default model
    connect("nice_cxone_default", sandbox.cxone_connection())
    sandbox.clock = SimulatedClock("2026-01-01T01:00:00Z")
    return sandbox


def hourly(sandbox: Sandbox, run_dag: Callable[..., Any], out: Path, hours: range, minutes: int) -> list[int]:
    """One ``mode="changes"`` run per hourly window, each ``minutes`` after the window's end on the vendor's clock;
    the contacts requests of each run."""
    clock, requests = sandbox.clock, []
    assert isinstance(clock, SimulatedClock)
    for hour in hours:
        clock.set(utc(2026, 1, 1, 0).timestamp() + (hour + 1) * 3600 + minutes * 60)
        before = sandbox.count(REQUESTS)
        run = run_dag(DAG.format(output=out.as_uri()), utc(2026, 1, 1) + timedelta(hours=hour + 1))
        assert task_states(run) == {"contacts": "success"}
        assert xcom_result(run, "contacts")["changes"]["how"] == ("first run" if hour == hours[0] else "changes")
        requests.append(sandbox.count(REQUESTS) - before)
    return requests


def outcome(sandbox: Sandbox, out: Path, as_of: float) -> tuple[int, int, int, int]:
    """(contacts visible by ``as_of``, lost, stored twice, stale) against the sandbox's own ground truth."""
    data = sandbox.data
    truth = {
        int(sandbox.contact_record(i)["contactId"]): sandbox.contact_record(i)
        for i in data.contacts_started(data.start, data.end)
        if data.contact_visible(i, as_of)
    }
    found: dict[int, list[dict[str, Any]]] = {}
    for folder in partition_dirs(out, "cxone", "completed_contacts", start="2026-01-01T00:00:00Z"):
        for record in manifest_records(folder):
            found.setdefault(int(record["contactId"]), []).append(record)
    lost = len(set(truth) - set(found))
    twice = sum(1 for records in found.values() if len(records) > 1)
    stale = sum(1 for key in truth if key in found and found[key][0] != truth[key])
    return len(truth), lost, twice, stale


@pytest.mark.airflow
def test_change_capture_over_a_day_of_hourly_runs_loses_and_repeats_no_contact_of_the_default_model(
    cxone: Sandbox, run_dag: Callable[..., Any], tmp_path: Path
) -> None:
    """25 hourly runs (windows 2026-01-01T00 to 2026-01-02T00, the last one after every contact appeared)."""
    requests = hourly(cxone, run_dag, tmp_path, range(25), VENDOR_MINUTES_PAST)
    last = cxone.clock()
    data = cxone.data
    assert all(data.contact_visible(i, last) for i in range(len(data.contact_starts)))  # every contact appeared
    visible, lost, twice, stale = outcome(cxone, tmp_path, last)
    print(
        f"\nchanges mode, default model ({visible} contacts), 25 hourly runs at {VENDOR_MINUTES_PAST} min past on "
        f"the vendor's clock: lost {lost}, stored twice {twice}, stale {stale}; contacts requests per run "
        f"{requests} (total {sum(requests)})"
    )
    assert visible == 1000 and (lost, twice, stale) == (0, 0, 0)
    assert requests == [1] * 25  # one change query per run (under 10,000 changes: one page)


@pytest.mark.airflow
def test_a_quiet_tenant_loses_no_contact_when_runs_find_no_change(
    sandbox_factory: Callable[..., Sandbox], connect: Any, airflow_db: Path, run_dag: Callable[..., Any], tmp_path: Path
) -> None:
    """12 contacts in 12 hours: most runs find no change (204: no body, no ``lastPollTime``). Such a run keeps the
    watermark (it learnt nothing of the vendor's clock); taking the client's own clock instead would skip the
    contacts that appear between the vendor's clock and the client's (20 minutes here)."""
    forget_watermarks()
    sandbox = sandbox_factory(DataSpec(contacts=12, end="2026-01-01T12:00:00Z"), rate_limit=None)
    connect("nice_cxone_default", sandbox.cxone_connection())
    sandbox.clock = SimulatedClock("2026-01-01T01:00:00Z")
    requests = hourly(sandbox, run_dag, tmp_path, range(13), VENDOR_MINUTES_PAST)
    visible, lost, twice, stale = outcome(sandbox, tmp_path, sandbox.clock())
    print(
        f"\nquiet tenant, 13 hourly runs: lost {lost} of {visible}, stored twice {twice}, stale {stale}; "
        f"contacts requests {sum(requests)}"
    )
    assert visible == 12 and (lost, twice, stale) == (0, 0, 0)
    assert requests == [1] * 13


@pytest.mark.airflow
def test_a_first_run_answered_204_sets_a_watermark_the_vendor_has_passed(
    sandbox_factory: Callable[..., Sandbox], connect: Any, airflow_db: Path, run_dag: Callable[..., Any], tmp_path: Path
) -> None:
    """One contact starting 00:45-00:50, at most 10 min long: it appears between 01:15 and 01:30 (vendor time).
    The first run (window 00:00-01:00, at 01:10 vendor time) is answered 204: its watermark may not be the
    worker's clock (01:30), or the contact, dated when it appears, would never be returned."""
    forget_watermarks()
    spec = DataSpec(contacts=1, start="2026-01-01T00:45:00Z", end="2026-01-01T00:50:00Z", contact_max_seconds=600)
    sandbox = sandbox_factory(spec, rate_limit=None)
    connect("nice_cxone_default", sandbox.cxone_connection())
    sandbox.clock = SimulatedClock("2026-01-01T01:00:00Z")
    hourly(sandbox, run_dag, tmp_path, range(3), VENDOR_MINUTES_PAST)
    assert outcome(sandbox, tmp_path, sandbox.clock()) == (1, 0, 0, 0)


@pytest.mark.airflow
def test_a_watermark_from_the_clients_clock_instead_of_last_poll_time_would_lose_contacts(
    cxone: Sandbox, run_dag: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same runs, with the client reading its own view of the vendor's clock (window end +
    ``late_data_margin``, 20 minutes ahead of the vendor's) wherever a page brings ``lastPollTime``: the contacts
    that appear in between are lost. Proves the test above catches a client that takes its watermark from its own
    clock."""
    from airflow_provider_ccanalytics.core.partitions import PartitionStatus

    vendors = PartitionStatus.saw_vendor_time

    def clients_clock(self: PartitionStatus, value: Any) -> None:
        if value:
            vendors(self, (self.window.end + timedelta(minutes=30)).isoformat())

    monkeypatch.setattr(PartitionStatus, "saw_vendor_time", clients_clock)
    hourly(cxone, run_dag, tmp_path, range(6), VENDOR_MINUTES_PAST)
    visible, lost, _twice, _stale = outcome(cxone, tmp_path, cxone.clock())
    print(f"\nwatermark from the client's clock, 6 hourly runs: lost {lost} of {visible}")
    assert lost > 0


@pytest.mark.airflow
def test_the_earlier_model_dating_last_update_time_before_the_contact_appears_would_lose_contacts(
    cxone: Sandbox, run_dag: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The earlier model: ``lastUpdateTime`` = end + 60 s while the contact appears at end + 30 min. Even with the
    vendor's and the worker's clocks in step (runs at 30 past), a poll between the two instants moves the
    watermark past a contact that is not visible yet: it is never returned."""
    monkeypatch.setattr(Dataset, "contact", _earlier_contact(Dataset.contact))
    hourly(cxone, run_dag, tmp_path, range(6), 30)
    visible, lost, _twice, _stale = outcome(cxone, tmp_path, cxone.clock())
    print(f"\nearlier model (lastUpdateTime = end + 60 s), 6 hourly runs: lost {lost} of {visible}")
    assert lost > 0


def _earlier_contact(contact: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def earlier(self: Dataset, index: int, as_of: float | None = None) -> dict[str, Any]:
        record = contact(self, index, as_of)
        return {**record, "lastUpdateTime": iso(parse_ts(record["contactEnd"]) + 60)}

    return earlier


def late_versions(sandbox: Sandbox) -> tuple[int, int]:
    """(polls, versions dated at or before an earlier poll's ``lastPollTime``): the sandbox's own answers every
    13 minutes of 30 hours; a version that appears after a poll must be dated after that poll's ``lastPollTime``."""
    spec = sandbox.config.data
    shown: dict[int, str] = {}  # contactId -> the lastUpdateTime last seen
    polls, late, previous = 0, 0, float("-inf")
    for step in range(0, 30 * 3600, 13 * 60 + 1):
        now = parse_ts(spec.start) + step
        sandbox.clock = lambda now=now: now  # type: ignore[misc]
        status, body = sandbox._completed_contacts({"startDate": spec.start, "endDate": spec.end})
        if status == 204:
            continue
        polls += 1
        assert parse_ts(body["lastPollTime"]) <= now
        for record in body["completedContacts"]:
            if shown.get(record["contactId"]) != record["lastUpdateTime"]:
                late += parse_ts(record["lastUpdateTime"]) <= previous
                shown[record["contactId"]] = record["lastUpdateTime"]
        previous = parse_ts(body["lastPollTime"])
    assert len(shown) == spec.contacts
    return polls, late


@pytest.mark.parametrize(
    "spec",
    [DataSpec(contacts=300), DataSpec(contacts=300, contact_max_seconds=4 * 3600, contact_change_max_seconds=7200)],
)
def test_no_contact_updated_before_a_last_poll_time_appears_after_it(
    spec: DataSpec, sandbox_factory: Callable[..., Sandbox]
) -> None:
    """The rule NICE's advice (``lastPollTime`` as the next ``updatedSince``) needs, on the sandbox's own answers."""
    polls, late = late_versions(sandbox_factory(spec, rate_limit=None))
    assert polls > 100 and late == 0


def test_the_earlier_model_breaks_that_rule(
    sandbox_factory: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Dataset, "contact", _earlier_contact(Dataset.contact))
    _polls, late = late_versions(sandbox_factory(DataSpec(contacts=300), rate_limit=None))
    assert late > 100  # most contacts: dated end + 60 s, shown at end + 30 min
