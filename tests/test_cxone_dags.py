"""CXone operators in real Airflow (dag.test()) against the sandbox."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_ccanalytics.core.errors import BadRequestError, ConfigurationError, UnexpectedResponseError
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.hooks.cxone import NiceCxoneHook
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from tests import clients
from tests.conftest import manifest_records as read_records
from tests.conftest import partition_dir, task_states, utc, xcom_result


def xcom_value(dagrun: Any, task_id: str, key: str) -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.scalars(
            XComModel.get_many(run_id=dagrun.run_id, key=key, task_ids=task_id, dag_ids=dagrun.dag_id)
        ).first()
        return None if row is None else XComModel.deserialize_value(row)


pytestmark = pytest.mark.airflow
DAY_20K = DataSpec(contacts=20_000)
DAY_WINDOW = Window.of(DataSpec().start, DataSpec().end)
ENTITY = "entity_name='recording-interaction-metadata', version='7'"
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


def expected_typed_rows(sandbox: Sandbox) -> list[dict[str, Any]]:
    """Ground truth of CSV rows after typing, built from the generator's values (not from our CSV reader):
    id columns as text, numbers and flags as JSON numbers and booleans, the rest as text."""
    rows = []
    for index in sandbox.data.contacts_started(sandbox.data.start, sandbox.data.end):
        record = sandbox.contact_record(index)
        rows.append({key: str(value) if key.endswith("Id") else value for key, value in record.items()})
    return rows


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
    folder = partition_dir(out_dir, "cxone", "completed_contacts")
    assert contact_ids(folder) == sandbox.data.contact_ids_started(sandbox.data.start, sandbox.data.end)
    # top=10000: 2 pages, then 1 for each of the 2 lookback days (204): "auto" reaches a 24 h contact (+ 1.5 h)
    assert sandbox.count("GET cxone contacts/completed") == 4


def test_data_extraction_operator_defers_and_writes_the_ground_truth(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    sandbox = sandbox_factory(DAY_20K, extraction_seconds=1.0)
    connect("nice_cxone_default", sandbox.cxone_connection())
    run = run_dag(
        DAG_TEMPLATE.format(
            operator=f"CxoneDataExtractionOperator(task_id='extract', {ENTITY}, deferrable=True, "
            f"poll_interval=0.3, output='{out_dir.as_uri()}')"
        ),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"extract": "success"}
    folder = partition_dir(out_dir, "cxone", "data_extraction")
    assert contact_ids(folder) == sandbox.data.contact_ids_started(sandbox.data.start, sandbox.data.end)
    assert xcom_result(run, "extract")["record_count"] == 20_000


def test_a_window_that_is_not_a_whole_day_fails_before_any_job_is_created(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    """A 01:00 schedule on day partitions: refused by the window check, with no extraction job left behind."""
    connect("nice_cxone_default", sandbox.cxone_connection())
    source = DAG_TEMPLATE.format(
        operator=f"CxoneDataExtractionOperator(task_id='extract', {ENTITY}, output='{out_dir.as_uri()}', "
        "late_data_margin=0)"
    ).replace('CronDataIntervalTimetable("0 0 * * *"', 'CronDataIntervalTimetable("0 1 * * *"')
    run = run_dag(source, utc(2026, 1, 2, 1))
    assert task_states(run) == {"extract": "failed"}
    assert sandbox.count("POST cxone extraction create") == 0
    assert not list(out_dir.rglob("_manifest.json"))


def test_an_expired_result_url_is_renewed(sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any]) -> None:
    sandbox.config.extraction_seconds = 0.2
    sandbox.add_fault("/cxone/files/", status=403, times=1, body={"message": "Request has expired"})
    connect("nice_cxone_default", sandbox.cxone_connection())
    run = run_dag(
        DAG_TEMPLATE.format(operator=f"CxoneDataExtractionOperator(task_id='extract', {ENTITY}, poll_interval=0.2)"),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"extract": "success"}
    assert len(xcom_result(run, "extract")) == 1000
    assert sandbox.count("GET cxone file") == 1 and sandbox.count("fault 403") == 1
    assert sandbox.count("GET cxone extraction status") >= 3  # polls, then a second status for a fresh url


def hold_first_job_until_refused(sandbox: Sandbox, then_seconds: float) -> None:
    """Keep the tenant's running extraction job running until a create was refused for it, then let jobs take
    ``then_seconds``: on a busy machine a DAG can start after a short job has already ended."""
    sandbox.config.extraction_seconds = 3600

    def release() -> None:
        deadline = time.monotonic() + 600
        while sandbox.count("cxone create refused running") < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        sandbox.config.extraction_seconds = then_seconds

    threading.Thread(target=release, daemon=True).start()


def test_a_second_extraction_waits_for_the_running_one(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any]
) -> None:
    sandbox.config.extraction_create_interval = 0
    connect("nice_cxone_default", sandbox.cxone_connection(poll_interval_seconds=0.3))
    running = clients.cxone(sandbox).create_extraction_job(*sandbox.EXTRACTION_ENTITY, DAY_WINDOW)
    hold_first_job_until_refused(sandbox, then_seconds=2.0)
    run = run_dag(
        DAG_TEMPLATE.format(operator=f"CxoneDataExtractionOperator(task_id='extract', {ENTITY}, poll_interval=0.2)"),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"extract": "success"}
    assert sandbox.extraction_state(running) == "SUCCEEDED"
    # refused (403, the default) while the first job ran, and waited
    assert sandbox.count("cxone create refused running") >= 1 and sandbox.count("status 403") >= 1
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


@pytest.mark.parametrize(("deferrable", "case"), [(True, None), (False, "upper"), (True, "lower")])
def test_report_job_operator_writes_the_report_rows(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], out_dir: Path, deferrable: bool, case: str | None
) -> None:
    sandbox.config.extraction_seconds = 0.5
    sandbox.config.cxone_status_case = case  # Running/Finished as documented, or another case: all end the job
    connect("nice_cxone_default", sandbox.cxone_connection())
    run = run_dag(
        DAG_TEMPLATE.format(
            operator=f"CxoneReportJobOperator(task_id='report', report_id='{sandbox.REPORT_ID}', "
            f"deferrable={deferrable}, poll_interval=0.2, output='{out_dir.as_uri()}')"
        ).replace("CxoneDataExtractionOperator", "CxoneDataExtractionOperator, CxoneReportJobOperator"),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"report": "success"}
    folder = partition_dir(out_dir, "cxone", f"report_{sandbox.REPORT_ID}")
    assert contact_ids(folder) == sandbox.data.contact_ids_started(sandbox.data.start, sandbox.data.end)
    assert read_records(folder) == expected_typed_rows(sandbox)  # report rows are typed like extraction rows
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


#: Variants of the Data Extraction API's uncertain shapes the sandbox serves (see the README's "Vendor shapes
#: we are unsure of"): status case, where the job id and the failure reason sit, the create answer, and the
#: status of "already running" and create throttling.
EXTRACTION_VARIANTS: dict[str, dict[str, Any]] = {
    "generated-client": {},
    "help-text": {
        "cxone_status_case": "title",
        "cxone_job_id_field": "jobId",
        "cxone_create_answer": "jobId",
        "cxone_error_message_in": "top",
        "cxone_contact_fields": "legacy",
    },
    "id-object-409": {"cxone_status_case": "lower", "cxone_create_answer": "id", "cxone_busy_status": 409},
}


@pytest.mark.parametrize("variant", sorted(EXTRACTION_VARIANTS))
def test_data_extraction_is_exact_under_every_served_shape_variant(
    sandbox_factory: Callable[..., Sandbox],
    connect: Any,
    run_dag: Callable[..., Any],
    out_dir: Path,
    variant: str,
) -> None:
    settings = EXTRACTION_VARIANTS[variant]
    sandbox = sandbox_factory(
        DataSpec(contacts=3000),
        extraction_create_interval=1.0,
        cxone_strict_entities=True,
        **settings,
    )
    connect("nice_cxone_default", sandbox.cxone_connection(poll_interval_seconds=0.3))
    running = clients.cxone(sandbox).create_extraction_job(*sandbox.EXTRACTION_ENTITY, DAY_WINDOW)
    hold_first_job_until_refused(sandbox, then_seconds=1.5)
    run = run_dag(
        DAG_TEMPLATE.format(
            operator=f"CxoneDataExtractionOperator(task_id='extract', {ENTITY}, deferrable=True, "
            f"poll_interval=0.3, job_timeout=120, output='{out_dir.as_uri()}')"
        ),
        utc(2026, 1, 2),
    )
    # success within job_timeout: a state in another case ended the job (no poll until the timeout)
    assert task_states(run) == {"extract": "success"}
    assert sandbox.extraction_state(running) == "SUCCEEDED"
    busy = settings.get("cxone_busy_status", 403)
    assert sandbox.count("cxone create refused running") >= 1  # refused while the first job ran: waited
    assert sandbox.count(f"status {busy}") >= 1  # answered with the variant's status
    folder = partition_dir(out_dir, "cxone", "data_extraction")
    records = read_records(folder)
    assert len(records) == 3000 and records == expected_typed_rows(sandbox)
    assert isinstance(records[0]["totalDurationSeconds"], float) and isinstance(records[0]["abandoned"], bool)
    assert isinstance(records[0]["contactId"], str)


@pytest.mark.parametrize("where", ["result", "top"])
def test_a_failed_extraction_reports_the_vendors_reason_wherever_it_sits(
    sandbox: Sandbox, connect: Any, where: str
) -> None:
    sandbox.config.extraction_seconds = 0
    sandbox.config.cxone_error_message_in = where
    sandbox.config.cxone_status_case = "title"
    sandbox.fail_next_job("FAILED")
    hook = NiceCxoneHook(connect("nice_cxone_default", sandbox.cxone_connection()))
    status = hook.job_status(hook.client.create_extraction_job(*sandbox.EXTRACTION_ENTITY, DAY_WINDOW))
    assert (status.state, status.done, status.succeeded) == ("FAILED", True, False)
    assert status.message == "The extraction failed in the sandbox (scripted)"


@pytest.mark.parametrize("fields", ["current", "legacy"])
def test_completed_contacts_are_exact_under_either_field_names(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path, fields: str
) -> None:
    sandbox = sandbox_factory(DataSpec(contacts=3000), cxone_contact_fields=fields, cxone_max_top=1000)
    connect("nice_cxone_default", sandbox.cxone_connection())
    run = run_dag(
        DAG_TEMPLATE.format(
            operator=f"CxoneCompletedContactsOperator(task_id='contacts', output='{out_dir.as_uri()}')"
        ),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"contacts": "success"}
    folder = partition_dir(out_dir, "cxone", "completed_contacts")
    expected = [sandbox.contact_record(i) for i in sandbox.data.contacts_started(sandbox.data.start, sandbox.data.end)]
    assert read_records(folder) == expected and len(expected) == 3000
    assert ("contactStartDate" in expected[0]) == (fields == "current")
    # 3 pages (top capped at 1000 by the sandbox), then the 2 lookback days' 204 (longest_contact 24 h + 1.5 h)
    assert sandbox.count("GET cxone contacts/completed") == 5


def test_a_contact_without_either_start_field_is_a_typed_error_naming_both(sandbox: Sandbox) -> None:
    sandbox.add_fault(
        "contacts/completed",
        status=200,
        body={"totalRecords": 1, "_links": {}, "completedContacts": [{"contactId": 7, "agentId": 1}]},
    )
    with pytest.raises(UnexpectedResponseError) as caught:
        list(clients.cxone(sandbox).iter_completed_contacts(DAY_WINDOW))
    assert "'contactStartDate'" in str(caught.value) and "'contactStart'" in str(caught.value)


def test_extraction_needs_an_entity_and_version_and_the_sandbox_can_refuse_an_undocumented_entity(
    sandbox: Sandbox,
) -> None:
    from airflow_provider_ccanalytics.operators.cxone import CxoneDataExtractionOperator

    with pytest.raises(TypeError, match="entity_name"):
        CxoneDataExtractionOperator(task_id="x")  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="version"):
        CxoneDataExtractionOperator(task_id="x", entity_name="qm-workflows", version="")
    sandbox.config.cxone_strict_entities = True
    with pytest.raises(BadRequestError, match="completed-contacts"):
        clients.cxone(sandbox).create_extraction_job("completed-contacts", "1", DAY_WINDOW)


@pytest.mark.parametrize("report", [False, True])
def test_a_job_that_ends_at_once_is_collected_without_deferring(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], report: bool
) -> None:
    sandbox.config.extraction_seconds = 0  # the job ends as soon as it is created
    sandbox.config.extraction_create_interval = 0
    connect("nice_cxone_default", sandbox.cxone_connection())
    operator = (
        f"CxoneReportJobOperator(task_id='job', report_id='{sandbox.REPORT_ID}', deferrable=True, poll_interval=60)"
        if report
        else f"CxoneDataExtractionOperator(task_id='job', {ENTITY}, deferrable=True, poll_interval=60)"
    )
    run = run_dag(
        DAG_TEMPLATE.format(operator=operator).replace(
            "CxoneDataExtractionOperator", "CxoneDataExtractionOperator, CxoneReportJobOperator", 1
        ),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"job": "success"}
    assert len(xcom_result(run, "job")) == 1000
    # one status check before deferring found it done (a deferral would poll again in the trigger); the
    # extraction then reads one more status for its fresh result url
    route = "GET cxone report status" if report else "GET cxone extraction status"
    assert sandbox.count(route) == 2
    assert xcom_value(run, "job", "job_id")  # saved before waiting, for a retry to find


def test_a_job_that_failed_at_once_fails_the_task_without_deferring(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any]
) -> None:
    sandbox.config.extraction_seconds = 0
    sandbox.config.cxone_status_case = "title"  # "Failed" must end it as well
    sandbox.fail_next_job("FAILED")
    connect("nice_cxone_default", sandbox.cxone_connection())
    run = run_dag(
        DAG_TEMPLATE.format(
            operator=f"CxoneDataExtractionOperator(task_id='job', {ENTITY}, deferrable=True, poll_interval=60)"
        ),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"job": "failed"}
    assert sandbox.count("GET cxone extraction status") == 1 and sandbox.count("GET cxone file") == 0
