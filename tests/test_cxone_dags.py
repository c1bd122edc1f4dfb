"""CXone operators in real Airflow (dag.test()) against the sandbox."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_ccanalytics.core.windows import Window
from airflow_provider_ccanalytics.hooks.cxone import NiceCxoneHook
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from tests import clients
from tests.conftest import task_states, utc, xcom_result

pytestmark = pytest.mark.airflow
DAY_20K = DataSpec(contacts=20_000)
REDIRECT = "http://127.0.0.1:9/callback"

DAG_TEMPLATE = """
from datetime import datetime, timedelta, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.cxone import CxoneCompletedContactsOperator, CxoneDataExtractionOperator

with DAG("cxone_test", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    {operator}
"""


def contact_ids(folder: Path, key: str = "contactId") -> list[int]:
    manifest = json.loads((folder / "_manifest.json").read_text())
    ids: list[int] = []
    for entry in manifest["files"]:
        with gzip.open(folder / entry["path"], "rt") as handle:
            ids += [int(json.loads(line)[key]) for line in handle]
    assert manifest["record_count"] == len(ids)
    return ids


def delegated_connection(sandbox: Sandbox, connect: Any) -> None:
    """A CXone connection with delegated access, after the one-time login."""
    connect("nice_cxone_default", sandbox.cxone_connection("authorization_code", redirect_uri=REDIRECT))
    hook = NiceCxoneHook()
    request = hook.authorization_request(REDIRECT)
    location = requests.get(request.url(), allow_redirects=False).headers["Location"]
    token = request.exchange(hook.token_endpoint, hook.transport, request.code_from_redirect(location))
    hook.token_store.save(hook.token_key, token.without_access())


@pytest.mark.parametrize("grant", ["access_key", "authorization_code"])
def test_completed_contacts_operator_writes_each_contact_once(
    sandbox_factory: Callable[..., Sandbox],
    connect: Any,
    run_dag: Callable[..., Any],
    out_dir: Path,
    grant: str,
) -> None:
    sandbox = sandbox_factory(DAY_20K)
    if grant == "access_key":
        connect("nice_cxone_default", sandbox.cxone_connection())
    else:
        delegated_connection(sandbox, connect)
    run = run_dag(
        DAG_TEMPLATE.format(
            operator=f"CxoneCompletedContactsOperator(task_id='contacts', output='{out_dir.as_uri()}')"
        ),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"contacts": "success"}
    folder = out_dir / "cxone" / "completed_contacts" / "interval_start=2026-01-01T00:00:00Z"
    assert contact_ids(folder) == sandbox.data.contact_ids_started(sandbox.data.start, sandbox.data.end)
    assert sandbox.count("GET cxone contacts/completed") == 3  # top=10000: 2 pages, 1 for the lookback day (204)


def test_data_extraction_operator_defers_and_writes_the_ground_truth(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    sandbox = sandbox_factory(DAY_20K, extraction_seconds=1.0)
    connect("nice_cxone_default", sandbox.cxone_connection())
    run = run_dag(
        DAG_TEMPLATE.format(
            operator=f"CxoneDataExtractionOperator(task_id='extract', deferrable=True, "
            f"poll_interval=0.3, output='{out_dir.as_uri()}')"
        ),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"extract": "success"}
    folder = out_dir / "cxone" / "data_extraction" / "interval_start=2026-01-01T00:00:00Z"
    assert contact_ids(folder) == sandbox.data.contact_ids_started(sandbox.data.start, sandbox.data.end)
    assert xcom_result(run, "extract")["record_count"] == 20_000


def test_an_expired_result_url_is_renewed(sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any]) -> None:
    sandbox.config.extraction_seconds = 0.2
    sandbox.add_fault("/cxone/files/", status=403, times=1, body={"message": "Request has expired"})
    connect("nice_cxone_default", sandbox.cxone_connection())
    run = run_dag(
        DAG_TEMPLATE.format(operator="CxoneDataExtractionOperator(task_id='extract', poll_interval=0.2)"),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"extract": "success"}
    assert len(xcom_result(run, "extract")) == 1000
    assert sandbox.count("GET cxone file") == 1 and sandbox.count("fault 403") == 1
    assert sandbox.count("GET cxone extraction status") >= 3  # polls, then a second status for a fresh url


def test_a_second_extraction_waits_for_the_running_one(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any]
) -> None:
    sandbox.config.extraction_seconds = 2.0
    sandbox.config.extraction_create_interval = 0
    connect("nice_cxone_default", sandbox.cxone_connection(poll_interval_seconds=0.3))
    running = clients.cxone(sandbox).create_extraction_job(
        "completed-contacts", "1", Window.of(DataSpec().start, DataSpec().end)
    )
    run = run_dag(
        DAG_TEMPLATE.format(operator="CxoneDataExtractionOperator(task_id='extract', poll_interval=0.2)"),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"extract": "success"}
    assert sandbox.extraction_state(running) == "SUCCEEDED"
    assert sandbox.count("status 409") >= 1  # it was refused while the first job ran, and waited
    assert len(xcom_result(run, "extract")) == 1000


def test_a_window_inside_the_late_data_margin_waits_and_misses_nothing(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any]
) -> None:
    now = time.time()
    start, end = (
        datetime.fromtimestamp(int(now) - 20, timezone.utc),
        datetime.fromtimestamp(int(now), timezone.utc),
    )
    spec = DataSpec(contacts=400, start=start.isoformat(), end=end.isoformat(), contact_max_seconds=2)
    sandbox = sandbox_factory(spec, settle_seconds=3)
    connect("nice_cxone_default", sandbox.cxone_connection())
    too_early = list(clients.cxone(sandbox).iter_completed_contacts(Window(start, end)))
    assert len(too_early) < 400  # extracting now would miss contacts that settle late
    run = run_dag(
        DAG_TEMPLATE.format(
            operator=(
                f"CxoneCompletedContactsOperator(task_id='contacts', start='{start.isoformat()}', "
                f"end='{end.isoformat()}', "
                "late_data_margin=timedelta(seconds=6), deferrable=True)"
            )
        ),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"contacts": "success"}
    assert time.time() >= end.timestamp() + 6
    ids = [c["contactId"] for c in xcom_result(run, "contacts")]
    assert ids == sandbox.data.contact_ids_started(start.timestamp(), end.timestamp()) and len(ids) == 400


def test_a_window_inside_the_margin_fails_clearly_when_waiting_is_off(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any]
) -> None:
    connect("nice_cxone_default", sandbox.cxone_connection())
    now = datetime.now(timezone.utc).replace(microsecond=0)
    run = run_dag(
        DAG_TEMPLATE.format(
            operator=(
                f"CxoneCompletedContactsOperator(task_id='contacts', start='{now.isoformat()}', "
                f"end='{now.replace(year=now.year + 1).isoformat()}', wait_for_late_data=False)"
            )
        ),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"contacts": "failed"}
    assert sandbox.count("GET cxone contacts/completed") == 0


@pytest.mark.parametrize("deferrable", [True, False])
def test_report_job_operator_writes_the_report_rows(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], out_dir: Path, deferrable: bool
) -> None:
    sandbox.config.extraction_seconds = 0.5
    connect("nice_cxone_default", sandbox.cxone_connection())
    run = run_dag(
        DAG_TEMPLATE.format(
            operator=f"CxoneReportJobOperator(task_id='report', report_id='{sandbox.REPORT_ID}', "
            f"deferrable={deferrable}, poll_interval=0.2, output='{out_dir.as_uri()}')"
        ).replace("CxoneDataExtractionOperator", "CxoneDataExtractionOperator, CxoneReportJobOperator"),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"report": "success"}
    folder = out_dir / "cxone" / f"report_{sandbox.REPORT_ID}" / "interval_start=2026-01-01T00:00:00Z"
    assert contact_ids(folder) == sandbox.data.contact_ids_started(sandbox.data.start, sandbox.data.end)
    assert sandbox.count("GET cxone report status") >= 2


def test_a_failed_report_job_fails_the_task(sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any]) -> None:
    sandbox.config.extraction_seconds = 0.2
    sandbox.fail_next_job("Failed")
    connect("nice_cxone_default", sandbox.cxone_connection())
    run = run_dag(
        DAG_TEMPLATE.format(
            operator=f"CxoneReportJobOperator(task_id='report', report_id='{sandbox.REPORT_ID}', deferrable=True, "
            "poll_interval=0.2)"
        ).replace("CxoneDataExtractionOperator", "CxoneDataExtractionOperator, CxoneReportJobOperator"),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"report": "failed"}
    assert sandbox.count("GET cxone report file") == 0
