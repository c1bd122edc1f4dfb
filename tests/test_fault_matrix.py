"""Every request kind through every fault the sandbox can inject: the ground truth, or a typed error in budget.

A cell is (request kind, fault). The fault hits the first matching request once; the vendor's whole
flow (the client calls the operators make) must still return exactly the clean run's records, and a
job-creating request whose answer was lost must leave no job unaccounted for: every job the sandbox
holds is the one used or one the client reported as a possible orphan. Persistent faults must end
in a typed error within the retry budget, saying what was tried.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.cxone import CxoneClient
from airflow_provider_ccanalytics.core.errors import (
    CcAnalyticsError,
    ConnectionFailedError,
    RateLimitedError,
    ServerError,
    TokenEndpointThrottledError,
    TruncatedResponseError,
)
from airflow_provider_ccanalytics.core.genesys import GenesysClient
from airflow_provider_ccanalytics.core.http import ApiClient
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox, SandboxConfig
from tests import clients

DATA = DataSpec(conversations=300, contacts=300)
HOUR = Window.of("2026-01-01T00:00:00Z", "2026-01-01T02:00:00Z")
DAY = Window.of("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
FAST: dict[str, Any] = {
    "rate_limit": None,
    "job_seconds": 0.2,
    "extraction_seconds": 0.2,
    "extraction_create_interval": 0,
}

# request kind -> (vendor, path pattern, method)
KINDS: dict[str, tuple[str, str, str | None]] = {
    "genesys token": ("genesys", r"genesys/login/oauth/token$", "POST"),
    "genesys details query": ("genesys", r"details/query$", "POST"),
    "genesys aggregates query": ("genesys", r"aggregates/query$", "POST"),
    "genesys job availability": ("genesys", r"details/jobs/availability$", "GET"),
    "genesys job create": ("genesys", r"details/jobs$", "POST"),
    "genesys job status": ("genesys", r"details/jobs/[0-9a-f-]{36}$", "GET"),
    "genesys job results": ("genesys", r"details/jobs/[0-9a-f-]{36}/results$", "GET"),
    "genesys job delete": ("genesys", r"details/jobs/[0-9a-f-]{36}$", "DELETE"),
    "cxone discovery": ("cxone", r"openid-configuration$", "GET"),
    "cxone tenant configuration": ("cxone", r"cxone-configuration$", "GET"),
    "cxone token": ("cxone", r"cxone/issuer/auth/token$", "POST"),
    "cxone completed contacts": ("cxone", r"contacts/completed$", "GET"),
    "cxone extraction create": ("cxone", r"data-extraction/v1/jobs$", "POST"),
    "cxone extraction status": ("cxone", r"data-extraction/v1/jobs/[^/]+$", "GET"),
    "cxone extraction file": ("cxone", r"/cxone/files/", "GET"),
    "cxone report create": ("cxone", r"report-jobs/1001$", "POST"),
    "cxone report status": ("cxone", r"report-jobs/\d+$", "GET"),
    "cxone report file": ("cxone", r"report-jobs/\d+/file$", "GET"),
}
FAULTS: dict[str, dict[str, Any]] = {
    "body cut mid-read": {"status": None, "truncate": 0.5},
    "reset mid-body": {"status": None, "truncate": 0.5, "reset": True},
    "200 with truncated JSON": {"status": None, "truncate": 0.5, "short_body": True},
    "503": {"status": 503},
    "429 with Retry-After": {"status": 429, "retry_after": 0.05},
    "429 without Retry-After": {"status": 429},
}
# cells that cannot exist: a body-less answer has nothing to cut; a CSV cut with a matching length is a
# complete HTTP answer no client can tell from a shorter file
NOT_APPLICABLE = {
    ("genesys job delete", "body cut mid-read"),
    ("genesys job delete", "reset mid-body"),
    ("genesys job delete", "200 with truncated JSON"),
    ("cxone extraction file", "200 with truncated JSON"),
}
CELLS = [(kind, fault) for kind in KINDS for fault in FAULTS if (kind, fault) not in NOT_APPLICABLE]


def wait_for(read: Callable[[], str], done: str) -> None:
    deadline = time.monotonic() + 120
    while (state := read()) != done:
        assert time.monotonic() < deadline, f"still {state}"
        time.sleep(0.05)


def genesys_flow(client: GenesysClient) -> dict[str, Any]:
    """The calls the Genesys operators make: availability, details query, aggregates, a details job."""
    client.data_availability()
    out: dict[str, Any] = {"details": [c["conversationId"] for c in client.iter_details_in(HOUR)]}
    out["aggregates"] = list(client.iter_aggregate_rows(HOUR, {"metrics": ["nConnected"], "granularity": "PT30M"}))
    job_id = client.submit_details_job(HOUR)
    wait_for(lambda: str(client.details_job_status(job_id)["state"]), "FULFILLED")
    out["job results"] = [c["conversationId"] for c in client.iter_details_job_results(job_id, HOUR)]
    client.cancel_details_job(job_id)
    out["job ids"] = {job_id}
    return out


def cxone_flow(client: CxoneClient) -> dict[str, Any]:
    """The calls the CXone operators make: completed contacts, a Data Extraction job, a report job."""
    client.settings.poll_interval = 0.1
    out: dict[str, Any] = {"contacts": [c["contactId"] for c in client.iter_completed_contacts(DAY)]}
    job_id = client.create_extraction_job("completed-contacts", "1", DAY)
    wait_for(lambda: str(client.extraction_job(job_id).get("status")), "SUCCEEDED")
    out["extraction"] = [int(row["contactId"]) for row in client.iter_extraction_rows(job_id)]
    report_id = client.start_report_job("1001", DAY)
    wait_for(lambda: str(client.report_job(report_id).get("state")), "Finished")
    out["report"] = [int(row["contactId"]) for row in client.iter_report_rows(report_id)]
    out["job ids"] = {job_id, report_id}
    return out


def run_flow(sandbox: Sandbox, vendor: str) -> tuple[ApiClient, dict[str, Any]]:
    if vendor == "genesys":
        genesys = clients.genesys(sandbox)
        return genesys, genesys_flow(genesys)
    cxone = clients.cxone(sandbox)
    return cxone, cxone_flow(cxone)


def jobs_held(sandbox: Sandbox, vendor: str) -> int:
    return len(sandbox._jobs) if vendor == "genesys" else len(sandbox._extractions) + len(sandbox._reports)


@pytest.fixture(scope="module")
def truth() -> dict[str, dict[str, Any]]:
    """Each vendor's flow on a sandbox without faults."""
    answers = {}
    for vendor in ("genesys", "cxone"):
        with Sandbox(SandboxConfig(data=DATA, **FAST)) as clean:
            answers[vendor] = run_flow(clean, vendor)[1]
    start, end = HOUR.start.timestamp(), HOUR.end.timestamp()
    with Sandbox(SandboxConfig(data=DATA)) as reference:
        assert answers["genesys"]["details"] == reference.data.conversation_ids_started(start, end)
        day = reference.data.contact_ids_started(DAY.start.timestamp(), DAY.end.timestamp())
    assert answers["genesys"]["job results"] == answers["genesys"]["details"]
    assert answers["cxone"]["contacts"] == day and sorted(answers["cxone"]["extraction"]) == day
    assert sorted(answers["cxone"]["report"]) == day and answers["genesys"]["aggregates"]
    return answers


@pytest.mark.parametrize(("kind", "fault"), CELLS, ids=[f"{k}|{f}" for k, f in CELLS])
def test_one_fault_on_one_request_kind_still_gives_the_ground_truth(
    sandbox_factory: Callable[..., Sandbox], truth: dict[str, dict[str, Any]], kind: str, fault: str
) -> None:
    vendor, pattern, method = KINDS[kind]
    sandbox = sandbox_factory(DATA, **FAST)
    injected = sandbox.add_fault(pattern, method=method, times=1, **FAULTS[fault])
    client, answer = run_flow(sandbox, vendor)
    assert injected.times == 0, "the fault never hit its request kind"
    expected = truth[vendor]
    for key in expected:
        if key != "job ids":
            assert answer[key] == expected[key], key
    orphans = client.transport.stats.possible_orphan_jobs
    assert jobs_held(sandbox, vendor) == len(answer["job ids"]) + orphans  # no job the client does not know of
    lost_answer = "create" in kind and FAULTS[fault]["status"] is None
    # CXone lists its extraction jobs (GET /data-extraction/v1/jobs): a lost create answer's job is found and used
    listed = kind == "cxone extraction create"
    assert orphans == (1 if lost_answer and not listed else 0)
    if orphans:
        assert any("possible orphan job" in line for line in client.transport.stats.retried_failures)
    if lost_answer and listed:
        assert any("found and used" in line for line in client.transport.stats.retried_failures)


PERSISTENT: dict[str, tuple[str, str, dict[str, Any], type[CcAnalyticsError]]] = {
    "genesys token throttled": (
        "genesys",
        r"oauth/token$",
        {"status": 400, "body": {"error": "invalid_request", "error_description": "Rate limit exceeded"}},
        TokenEndpointThrottledError,
    ),
    "cxone token throttled": ("cxone", r"auth/token$", {"status": 429}, TokenEndpointThrottledError),
    "details query cut": ("genesys", r"details/query$", {"status": None, "truncate": 0.3}, ConnectionFailedError),
    "details query truncated JSON": (
        "genesys",
        r"details/query$",
        {"status": None, "truncate": 0.3, "short_body": True},
        TruncatedResponseError,
    ),
    "contacts 503": ("cxone", r"contacts/completed$", {"status": 503}, ServerError),
    "contacts 429 without Retry-After": ("cxone", r"contacts/completed$", {"status": 429}, RateLimitedError),
    "job create reset": (
        "genesys",
        r"details/jobs$",
        {"status": None, "truncate": 0.5, "reset": True},
        ConnectionFailedError,
    ),
}


@pytest.mark.parametrize("case", list(PERSISTENT))
def test_a_persistent_fault_ends_in_a_typed_error_within_the_budget(
    sandbox_factory: Callable[..., Sandbox], case: str
) -> None:
    vendor, pattern, fault, error_type = PERSISTENT[case]
    sandbox = sandbox_factory(DATA, **FAST)
    sandbox.add_fault(pattern, times=10**6, **fault)
    started = time.monotonic()
    with pytest.raises(CcAnalyticsError) as caught:
        run_flow(sandbox, vendor)
    error = caught.value
    assert isinstance(error, error_type), repr(error)
    attempts = clients.FAST_RETRY.max_attempts
    assert f"gave up after {attempts} failed attempt(s)" in str(error) and "last causes:" in str(error)
    faulted = sum(count for name, count in sandbox.stats().items() if name.startswith("fault "))
    assert faulted == attempts  # one budget: never more requests than max_attempts, token included
    assert time.monotonic() - started < 60
    if case == "job create reset":  # each lost answer is a job the client reported
        assert len(sandbox._jobs) == attempts


def test_behind_a_proxy_that_cuts_3_percent_of_responses_five_of_five_extractions_are_complete(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=20_000), rate_limit=None)
    for fault in ({"truncate": 0.5}, {"truncate": 0.5, "reset": True}, {"truncate": 0.5, "short_body": True}):
        sandbox.add_fault(r"details/query$", status=None, times=10**6, rate=0.01, **fault)
    truth = sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
    complete = 0
    for _ in range(5):
        client = clients.genesys(sandbox)
        ids = [c["conversationId"] for c in client.iter_conversation_details(DAY, split=timedelta(hours=1))]
        complete += ids == truth
    cut = sandbox.count("fault truncated") + sandbox.count("fault reset")
    pages = sandbox.count("POST genesys details/query")
    assert complete == 5 and cut / pages > 0.015  # about 3 % of about 1,000 pages were cut, none lost


# -- the operators themselves, in Airflow (dag.test()) ------------------------------------------------------

OPERATORS: dict[str, tuple[str, str, list[str]]] = {
    # name -> (vendor, operator call, request kinds it sends)
    "details": (
        "genesys",
        "GenesysConversationDetailsOperator(task_id='t', output='{out}', split=timedelta(hours=6))",
        ["genesys token", "genesys details query"],
    ),
    "details job": (
        "genesys",
        "GenesysConversationDetailsJobOperator(task_id='t', output='{out}', poll_interval=0.1)",
        [
            "genesys token",
            "genesys job availability",
            "genesys job create",
            "genesys job status",
            "genesys job results",
        ],
    ),
    "aggregates": (
        "genesys",
        "GenesysConversationAggregatesOperator(task_id='t', metrics=['nConnected'], granularity='PT1H')",
        ["genesys token", "genesys aggregates query"],
    ),
    "completed contacts": (
        "cxone",
        "CxoneCompletedContactsOperator(task_id='t', output='{out}')",
        ["cxone discovery", "cxone tenant configuration", "cxone token", "cxone completed contacts"],
    ),
    "data extraction": (
        "cxone",
        "CxoneDataExtractionOperator(task_id='t', entity_name='recording-interaction-metadata', version='7', "
        "output='{out}', poll_interval=0.1)",
        ["cxone token", "cxone extraction create", "cxone extraction status", "cxone extraction file"],
    ),
    "report job": (
        "cxone",
        "CxoneReportJobOperator(task_id='t', report_id='1001', output='{out}', poll_interval=0.1)",
        ["cxone token", "cxone report create", "cxone report status", "cxone report file"],
    ),
}
OPERATOR_DAG = """
from datetime import datetime, timedelta, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.cxone import (
    CxoneCompletedContactsOperator, CxoneDataExtractionOperator, CxoneReportJobOperator)
from airflow_provider_ccanalytics.operators.genesys import (
    GenesysConversationAggregatesOperator, GenesysConversationDetailsJobOperator, GenesysConversationDetailsOperator)

with DAG("faults", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    {operator}
"""
EXTRAS = {"retry_max_attempts": 3, "poll_interval_seconds": 0.1, "requests_per_minute": 0}


def written(out_dir: Any, result: Any) -> list[Any]:
    """The records an operator wrote (files under ``out_dir``) or returned (XCom)."""
    import gzip
    import json

    if isinstance(result, list):
        return result
    records = []
    for path in sorted(out_dir.rglob("part-*.jsonl.gz")):
        with gzip.open(path, "rt") as handle:
            records += [json.loads(line) for line in handle]
    return records


def record_key(vendor: str, name: str) -> Callable[[dict[str, Any]], Any]:
    if name == "aggregates":
        return lambda row: (row["interval"], row["metric"], row["stat"], row["value"])
    return (lambda r: r["conversationId"]) if vendor == "genesys" else (lambda r: int(r["contactId"]))


def connection_for(sandbox: Sandbox, vendor: str) -> dict[str, Any]:
    if vendor == "genesys":
        return sandbox.genesys_connection(**EXTRAS)
    return sandbox.cxone_connection(**EXTRAS)


@pytest.mark.airflow
@pytest.mark.parametrize("name", list(OPERATORS))
def test_each_operator_writes_the_ground_truth_through_a_reset_on_every_request_kind_or_fails_in_budget(
    sandbox_factory: Callable[..., Sandbox],
    connect: Any,
    run_dag: Callable[..., Any],
    tmp_path: Any,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    from tests.conftest import task_states, utc, xcom_result

    caplog.set_level("WARNING")

    vendor, call, kinds = OPERATORS[name]
    conn_id = "genesys_cloud_default" if vendor == "genesys" else "nice_cxone_default"
    clean = sandbox_factory(DATA, **FAST)
    connect(conn_id, connection_for(clean, vendor))
    out = tmp_path / "clean"
    run = run_dag(OPERATOR_DAG.format(operator=call.format(out=out.as_uri())), utc(2026, 1, 2))
    assert task_states(run) == {"t": "success"}
    key = record_key(vendor, name)
    truth = sorted(map(key, written(out, xcom_result(run, "t"))))
    assert truth

    faulty = sandbox_factory(DATA, **FAST)
    connect(conn_id, connection_for(faulty, vendor))
    faults = [faulty.add_fault(KINDS[k][1], method=KINDS[k][2], times=1, **FAULTS["reset mid-body"]) for k in kinds]
    out = tmp_path / "faulty"
    run = run_dag(OPERATOR_DAG.format(operator=call.format(out=out.as_uri())), utc(2026, 1, 2))
    assert task_states(run) == {"t": "success"}
    result = xcom_result(run, "t")
    assert sorted(map(key, written(out, result))) == truth
    assert [k for k, f in zip(kinds, faults, strict=True) if f.times] == []  # every request kind was hit once
    if "cxone extraction create" in kinds:  # the lost create answer's job is found in the jobs list and used
        assert jobs_held(faulty, vendor) == 1
        assert "was found in the vendor's job list and is used" in caplog.text
    elif any("create" in k for k in kinds):  # the lost create answer: a job that is reported, not unnoticed
        assert jobs_held(faulty, vendor) == 2
        assert "may have started a job whose id was lost" in caplog.text  # a WARNING in the task log

    throttled = sandbox_factory(DATA, **FAST)
    connect(conn_id, connection_for(throttled, vendor))
    throttle = {"error": "invalid_request", "error_description": "Rate limit exceeded"}
    throttled.add_fault("oauth/token$|auth/token$", status=400, times=10**6, body=throttle)
    started = time.monotonic()
    run = run_dag(OPERATOR_DAG.format(operator=call.format(out=(tmp_path / "x").as_uri())), utc(2026, 1, 2))
    assert task_states(run) == {"t": "failed"}
    assert throttled.count("fault 400") == EXTRAS["retry_max_attempts"]  # one budget for the task, threads included
    assert time.monotonic() - started < 60
    assert jobs_held(throttled, vendor) == 0
