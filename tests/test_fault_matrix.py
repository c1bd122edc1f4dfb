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
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.client import ApiClient
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
from airflow_provider_ccanalytics.core.windows import Window
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
    assert orphans == (1 if lost_answer else 0)
    if orphans:
        assert any("possible orphan job" in line for line in client.transport.stats.retried_failures)


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
    assert f"gave up after {attempts} attempt(s)" in str(error) and "last causes:" in str(error)
    faulted = sum(count for name, count in sandbox.stats().items() if name.startswith("fault "))
    assert faulted == attempts  # one budget: never more requests than max_attempts, token included
    assert time.monotonic() - started < 60
    if case == "job create reset":  # each lost answer is a job the client reported
        assert len(sandbox._jobs) == attempts
