"""The CXone client against the sandbox in each variant public sources show, and the client's declarations
against those sources' field lists.

Sources (the field lists below are copied from them, as data):
- SPEC: NICE's published spec as the client generated from it types it, calljacob/nice-cxone-api
  ``src/services/reporting/ReportingReportingService.ts`` (``getFullSkillSummaries``, ``getFullSLASummaries``,
  ``teamPerformanceSummaryTotalsAll``, ``getAgentsStateHistory``, ``completedContactDetails``),
  ``src/services/admin/AdminAgentsService.ts`` (``getAgents``), ``AdminSkillsService.ts`` (``getSkills``,
  ``getSkillsId``), ``src/services/dataExtraction/DataextractionDataextractionService.ts``.
- TAP: singer-io/tap-nice-incontact ``tap_nice_incontact/streams.py``, ``schemas/*.json`` and
  ``tests/test_convert_data_types.py`` / ``tests/test_transform_iso8601_durations.py`` (real tenants).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.cxone import ENDPOINTS, SCHEMAS, CxoneSettings
from airflow_provider_ccanalytics.core.cxone.endpoints import (
    CXONE_AGENT_STATE_HISTORY,
    CXONE_AGENTS,
    CXONE_SKILLS_SLA_SUMMARY,
    CXONE_SKILLS_SUMMARY,
    CXONE_TEAMS_PERFORMANCE,
)
from airflow_provider_ccanalytics.core.cxone.values import DURATION_TEXT_KEY, parse_duration
from airflow_provider_ccanalytics.core.datasets import iter_endpoint
from airflow_provider_ccanalytics.core.errors import BadRequestError, RepeatedPageError
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.core.records import CredentialFilter
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox, SandboxConfig
from airflow_provider_ccanalytics.testing.clock import SimulatedClock
from airflow_provider_ccanalytics.testing.sandbox.cxone_shapes import DURATION_FIELDS, iso_duration
from tests import clients
from tests.conftest import manifest_records as records
from tests.conftest import partition_dirs, task_states, utc

DAY = Window.of(DataSpec().start, DataSpec().end)
SUMMARIES = {
    "skills_summary": CXONE_SKILLS_SUMMARY,
    "skills_sla_summary": CXONE_SKILLS_SLA_SUMMARY,
    "teams_performance_total": CXONE_TEAMS_PERFORMANCE,
    "agent_state_history": CXONE_AGENT_STATE_HISTORY,
}
#: (shape, casing) served: the spec as typed (PascalCase sla-summary), the tap's real tenants (camelCase, strings),
#: and each casing with the other shape
VARIANTS = [("spec", None), ("legacy", None), ("spec", "camel"), ("legacy", "pascal")]

# -- the vendor sources' field lists (data, with their source) -------------------------------------------

SPEC_FIELDS: dict[str, frozenset[str]] = {
    # ReportingReportingService.ts getFullSkillSummaries -> skillSummaries[]
    "skills_summary": frozenset(
        [
            "businessUnitId",
            "businessUnitName",
            "abandonCount",
            "abandonRate",
            "agentsAcw",
            "agentsAvailable",
            "agentsIdle",
            "agentsLoggedIn",
            "agentsUnavailable",
            "agentsWorking",
            "averageHandleTime",
            "averageInqueueTime",
            "averageSpeedToAnswer",
            "averageTalkTime",
            "averageWrapTime",
            "campaignId",
            "campaignName",
            "contactsActive",
            "contactsHandled",
            "contactsOffered",
            "contactsQueued",
            "contactsOutOfSLA",
            "contactsWithinSLA",
            "holdTime",
            "isOutbound",
            "longestQueueDur",
            "mediaTypeId",
            "mediaTypeName",
            "queueCount",
            "serviceLevel",
            "skillName",
            "skillId",
            "serviceLevelGoal",
            "serviceLevelThreshold",
            "totalContactTime",
            "dials",
            "connects",
            "connectsAHT",
            "rightPartyConnects",
            "rightPartyConnectsAHT",
        ]
    ),
    # getFullSLASummaries -> serviceLevelSummaries[] (PascalCase in the spec; camelCase in the tap's schema)
    "skills_sla_summary": frozenset(
        [
            "BusinessUnitId",
            "SkillId",
            "SkillName",
            "ContactsWithinSLA",
            "ContactsOutOfSLA",
            "TotalContacts",
            "ServiceLevel",
        ]
    ),
    # teamPerformanceSummaryTotalsAll -> teamPerformanceTotal[]
    "teams_performance_total": frozenset(
        [
            "teamId",
            "agentOffered",
            "inboundHandled",
            "inboundTime",
            "inboundTalkTime",
            "inboundAvgTalkTime",
            "outboundHandled",
            "outboundTime",
            "outboundTalkTime",
            "outboundAvgTalkTime",
            "totalHandled",
            "totalAvgHandled",
            "totalTalkTime",
            "totalAvgTalkTime",
            "totalAvgHandleTime",
            "consultTime",
            "availableTime",
            "unavailableTime",
            "avgAvailableTime",
            "avgUnavailableTime",
            "acwTime",
            "refused",
            "percentRefused",
            "loginTime",
            "workingRate",
            "occupancy",
        ]
    ),
    # getAgentsStateHistory -> agentStateHistory[]
    "agent_state_history": frozenset(
        [
            "stateIndex",
            "startDate",
            "agentId",
            "agentStateId",
            "agentStateName",
            "agentSessionId",
            "contactId",
            "skillId",
            "skillName",
            "mediaTypeId",
            "mediaTypeName",
            "fromAddress",
            "toAddress",
            "outStateId",
            "outStateDescription",
            "duration",
            "isOutbound",
            "isNaturalCalling",
            "stationId",
            "stationName",
            "teamId",
        ]
    ),
    # AdminAgentsService.ts getAgents -> agents[] (the fields this client declares or the sandbox serves)
    "agents": frozenset(["agentId", "userName", "firstName", "lastName", "teamId", "teamName", "isActive", "apiKey"]),
    # AdminSkillsService.ts getSkillsId (the list's answer is untyped in the spec)
    "skills": frozenset(["skillId", "skillName", "mediaTypeId", "mediaTypeName", "isActive", "campaignId"]),
    # completedContactDetails -> completedContacts[] (a subset)
    "completed_contacts": frozenset(
        [
            "abandoned",
            "agentId",
            "campaignId",
            "contactId",
            "contactStartDate",
            "fromAddress",
            "isOutbound",
            "lastUpdateTime",
            "masterContactId",
            "mediaTypeId",
            "mediaTypeName",
            "pointOfContactId",
            "skillId",
            "teamId",
            "toAddress",
            "totalDurationSeconds",
            "businessUnitId",
        ]
    ),
}
# tap_nice_incontact/schemas/skills_sla_summary.json (camelCase, as real tenants answer)
TAP_SLA_FIELDS = frozenset(
    ["businessUnitId", "skillId", "skillName", "contactsWithinSLA", "contactsOutOfSLA", "totalContacts", "serviceLevel"]
)
#: query parameters each declaration sends, as the spec lists them
SPEC_PARAMS: dict[str, frozenset[str]] = {
    "skills_summary": frozenset({"startDate", "endDate", "mediaTypeId", "isOutbound", "fields"}),
    "skills_sla_summary": frozenset({"startDate", "endDate", "skip", "top"}),
    "teams_performance_total": frozenset({"startDate", "endDate", "fields"}),
    "agent_state_history": frozenset({"startDate", "endDate", "updatedSince", "skip", "top", "orderBy", "fields"}),
    "agents": frozenset({"updateSince", "isActive", "isLocked", "searchString", "fields", "skip", "top", "orderBy"}),
    "skills": frozenset({"mediaTypeId", "outboundStrategy"}),
}
#: declared columns no source shows, each with why it is declared anyway
NOT_IN_SOURCES: dict[str, str] = {
    "skills_summary.contactsAbandoned": "schema version 1 (a GUESS, never sent): kept, columns are never removed",
    "teams_performance_total.teamName": "schema version 1 (a GUESS, never sent): kept, columns are never removed",
    "teams_performance_total.averageHandleTime": "schema version 1 (never sent; the field is totalAvgHandleTime)",
    "completed_contacts.contactStart": "older API versions (GUESS, kept from before; v34 has contactStartDate)",
    "completed_contacts.contactEnd": "older API versions (GUESS, kept from before)",
    "completed_contacts.businessUnitId": "the spec has it beside completedContacts[], not in each record (GUESS)",
}


def expected_row(dataset: str, truth: dict[str, Any], shape: str) -> dict[str, Any]:
    """What the client must write for one ground-truth record served in ``shape``: ids and names as strings,
    counts as numbers, durations in seconds (whole seconds where the legacy skills summary rounds them), the
    vendor's ISO-8601 text under ``iso8601Durations``."""
    endpoint = SUMMARIES[dataset]
    kinds = {column.name: column.type for column in endpoint.schema}
    durations = DURATION_FIELDS[dataset]
    row: dict[str, Any] = {}
    texts: dict[str, str] = {}
    for name, value in truth.items():
        if name in durations:
            if shape == "legacy" and dataset == "skills_summary":
                value = float(round(value))
            else:
                texts[name] = iso_duration(value)
                value = float(value)
        elif kinds.get(name) == "string" and not isinstance(value, str):
            value = str(value)
        elif kinds.get(name) == "float64":
            value = float(value)
        row[name] = value
    if texts:
        row[DURATION_TEXT_KEY] = texts
    return row


def _sandbox(**settings: Any) -> Sandbox:
    return Sandbox(SandboxConfig(data=DataSpec(contacts=400), **settings)).start()


@pytest.fixture(params=VARIANTS, ids=[f"{shape}-{casing or 'own'}" for shape, casing in VARIANTS])
def variant_sandbox(request: pytest.FixtureRequest) -> Any:
    shape, casing = request.param
    sandbox = _sandbox(cxone_shape=shape, cxone_casing=casing)
    yield sandbox
    sandbox.stop()


def test_summaries_and_state_history_are_the_ground_truth_in_every_variant(variant_sandbox: Sandbox) -> None:
    sandbox, shape = variant_sandbox, variant_sandbox.config.cxone_shape
    client = clients.cxone(sandbox)
    for dataset, endpoint in SUMMARIES.items():
        truth = sandbox.data.cxone_summary(dataset, DAY.start.timestamp(), DAY.end.timestamp())
        rows = list(iter_endpoint(client, endpoint, DAY, page_size=5))
        assert truth and rows == [expected_row(dataset, record, shape) for record in truth], dataset
    assert sandbox.count("GET cxone skills_summary") == 1  # the whole list, skip/top neither sent nor needed
    assert sandbox.count("GET cxone teams_performance_total") == 1
    assert sandbox.count("GET cxone skills_sla_summary") == 3  # 12 skills, 5 a page, following _links.next


def test_the_sandbox_answers_only_fields_the_sources_name(variant_sandbox: Sandbox) -> None:
    sandbox = variant_sandbox
    client = clients.cxone(sandbox)
    for dataset, endpoint in SUMMARIES.items():
        request = endpoint.request(DAY)
        body = client.call_json("GET", request.url, params=request.params)
        served = {name for record in body[endpoint.records_key] for name in record}
        allowed = SPEC_FIELDS[dataset] | (TAP_SLA_FIELDS if dataset == "skills_sla_summary" else frozenset())
        assert served and served <= allowed, (dataset, sorted(served - allowed))
    whole = client.call_json(
        "GET", CXONE_SKILLS_SUMMARY.path, params={**CXONE_SKILLS_SUMMARY.request(DAY).params, "skip": 5, "top": 5}
    )
    assert len(whole["skillSummaries"]) == 12 and "_links" not in whole  # the spec's summary: no paging, ignored
    for name in ("agents", "skills"):
        assert {k for row in sandbox.data.entities("cxone", name) for k in row} <= SPEC_FIELDS[name]
    contact = set(sandbox.contact_record(0)) - {"businessUnitId"}  # see NOT_IN_SOURCES
    assert contact <= SPEC_FIELDS["completed_contacts"], sorted(contact - SPEC_FIELDS["completed_contacts"])


@pytest.mark.parametrize("status", ["flat", "jobResult"])
def test_report_jobs_and_the_data_download_read_the_ground_truth(status: str) -> None:
    sandbox = _sandbox(cxone_report_status=status, extraction_seconds=0)
    try:
        client = clients.cxone(sandbox)
        truth = sorted(sandbox.data.contact_ids_started(DAY.start.timestamp(), DAY.end.timestamp()))
        job_id = client.start_report_job(sandbox.REPORT_ID, DAY)
        assert str(client.report_job(job_id)["state"]).upper() == "FINISHED"
        assert sorted(int(row["contactId"]) for row in client.iter_report_rows(job_id)) == truth
        assert sorted(int(row["contactId"]) for row in client.iter_report_download(sandbox.REPORT_ID, DAY)) == truth
        empty = Window.of("2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z")
        assert list(client.iter_report_download(sandbox.REPORT_ID, empty)) == []  # 204
    finally:
        sandbox.stop()


def test_every_declared_field_and_parameter_is_in_a_vendor_source() -> None:
    casings = {name[:1].lower() + name[1:] for name in SPEC_FIELDS["skills_sla_summary"]}
    for endpoint in ENDPOINTS:
        if endpoint.dataset == "teams":
            continue  # `GET /teams` is in no public source: a GUESS in the README's table
        known = SPEC_FIELDS[endpoint.dataset] | (casings if endpoint.dataset == "skills_sla_summary" else set())
        for column in endpoint.column_names:
            assert column in known or f"{endpoint.dataset}.{column}" in NOT_IN_SOURCES, (endpoint.name, column)
        sent = set(endpoint.request(DAY if endpoint.windowed else None).params)
        sent |= {"skip", "top"} if endpoint.paging == "skip_top" else set()
        assert sent <= SPEC_PARAMS[endpoint.dataset], (endpoint.name, sorted(sent - SPEC_PARAMS[endpoint.dataset]))
    contacts = next(schema for schema in SCHEMAS if schema.name == "completed_contacts")
    for column in contacts.columns:
        known = SPEC_FIELDS["completed_contacts"]
        assert column.name in known or f"completed_contacts.{column.name}" in NOT_IN_SOURCES, column.name
    # defaults: no orderBy for a full extraction; the tap's `lastUpdateTime asc` for incremental runs
    assert CxoneSettings().contacts_order_by is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT7M15.643S", 435.643), ("PT0S", 0.0), ("P1DT19H18M29.651S", 155909.651), ("PT5H48M1.139S", 20881.139)],
)
def test_iso8601_durations_read_as_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds  # the samples of tap-nice-incontact's tests
    assert parse_duration(iso_duration(seconds)) == seconds
    assert parse_duration("101") is None and parse_duration("P") is None and parse_duration("PT") is None


def test_a_server_ignoring_skip_fails_with_a_typed_error_naming_the_endpoint() -> None:
    sandbox = _sandbox(cxone_ignore_skip=True)
    try:
        with pytest.raises(RepeatedPageError, match=r"cxone\.agents"):
            list(iter_endpoint(clients.cxone(sandbox), CXONE_AGENTS, page_size=60))
        assert sandbox.count("GET cxone agents") == 2  # the second copy of page one stops it
    finally:
        sandbox.stop()


def test_a_summary_declared_as_paged_still_ends_after_the_whole_list() -> None:
    # the old declaration (skip/top) against the spec's answer (no _links, no totalRecords): one request, no loop
    sandbox = _sandbox()
    try:
        paged = dataclasses.replace(CXONE_SKILLS_SUMMARY, paging="skip_top")
        rows = list(iter_endpoint(clients.cxone(sandbox), paged, DAY, page_size=5))
        assert len(rows) == 12 and sandbox.count("GET cxone skills_summary") == 1
    finally:
        sandbox.stop()


def test_order_by_only_where_documented() -> None:
    sandbox = _sandbox(settle_seconds=0)
    try:
        client = clients.cxone(sandbox)
        truth = sorted(sandbox.data.contact_ids_started(DAY.start.timestamp(), DAY.end.timestamp()))
        assert sorted(record["contactId"] for record in client.iter_completed_contacts(DAY)) == truth
        since = DAY.start
        assert sorted(r["contactId"] for r in client.iter_completed_contacts(DAY, updated_since=since)) == truth
        client.settings.contacts_order_by = "contactStart asc"  # the old default: no such v34 field
        with pytest.raises(BadRequestError, match="orderBy"):
            list(client.iter_completed_contacts(DAY))
    finally:
        sandbox.stop()


def test_credential_like_fields_are_dropped_at_any_depth() -> None:
    dropper = CredentialFilter(["pin"])
    record = {"agentId": 1, "apiKey": "k", "nested": [{"client_secret": "s", "Pin": "1", "name": "x"}]}
    assert dropper.clean(record) == {"agentId": 1, "nested": [{"name": "x"}]}
    assert dropper.dropped == {"apiKey", "client_secret", "Pin"}


@pytest.mark.airflow
@pytest.mark.parametrize("shape", ["spec", "legacy"])
def test_the_agent_state_history_operator_writes_each_state_once_in_its_hour(
    shape: str, sandbox_factory: Any, connect: Any, run_dag: Any, out_dir: Any
) -> None:
    sandbox = sandbox_factory(DataSpec(contacts=300), cxone_shape=shape, settle_seconds=0)
    connect("nice_cxone_default", sandbox.cxone_connection())
    source = f"""
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.endpoints import CxoneAgentStateHistoryOperator

with DAG("cxone_states", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    CxoneAgentStateHistoryOperator(task_id="states", output="{out_dir.as_uri()}", grain="hour", page_size=100)
"""
    run = run_dag(source, utc(2026, 1, 2))
    assert task_states(run) == {"states": "success"}
    truth = sandbox.data.cxone_summary("agent_state_history", DAY.start.timestamp(), DAY.end.timestamp())
    written = [row for folder in partition_dirs(out_dir, "cxone", "agent_state_history") for row in records(folder)]
    assert len(partition_dirs(out_dir, "cxone", "agent_state_history")) == 24
    key = ("agentId", "startDate", "stateIndex")
    assert sorted(tuple(row[k] for k in key) for row in written) == sorted(
        (str(t["agentId"]), t["startDate"], t["stateIndex"]) for t in truth
    )
    by_index = {row["stateIndex"]: row for row in written}
    assert all(by_index[t["stateIndex"]] == expected_row("agent_state_history", t, shape) for t in truth)
    assert sandbox.count("GET cxone agent_state_history") >= 24  # one request or more per hour


@pytest.mark.airflow
def test_a_custom_report_is_read_through_the_data_download_and_an_empty_day_is_an_empty_partition(
    sandbox_factory: Any, connect: Any, run_dag: Any, out_dir: Any
) -> None:
    sandbox = sandbox_factory(DataSpec(contacts=200))
    connect("nice_cxone_default", sandbox.cxone_connection())
    source = f"""
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.cxone import CxoneCustomReportOperator

with DAG("cxone_report", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    CxoneCustomReportOperator(task_id="report", report_id="1001", output="{out_dir.as_uri()}",
                              start="2026-01-01T00:00:00Z", end="2026-01-03T00:00:00Z")
"""
    run = run_dag(source, utc(2026, 1, 4))
    assert task_states(run) == {"report": "success"}
    folders = partition_dirs(out_dir, "cxone", "report_1001")
    assert len(folders) == 2 and records(folders[1]) == []  # 2026-01-02: 204, no data
    truth = sandbox.data.contact_ids_started(DAY.start.timestamp(), DAY.end.timestamp())
    assert sorted(int(row["contactId"]) for row in records(folders[0])) == sorted(truth)
    assert sandbox.count("POST cxone report datadownload") == 2


def test_a_lost_extraction_create_answer_is_found_in_the_jobs_list_not_waited_out() -> None:
    sandbox = _sandbox(extraction_create_interval=0, extraction_seconds=5)
    try:
        sandbox.add_fault(r"/data-extraction/v1/jobs$", method="POST", status=None, truncate=0.5, reset=True)
        client = clients.cxone(sandbox)
        job_id = client.create_extraction_job(*sandbox.EXTRACTION_ENTITY, DAY)
        assert list(sandbox._extractions) == [job_id]  # the job the lost answer started, and no other
        assert client.transport.stats.possible_orphan_jobs == 0
        assert sandbox.count("GET cxone extraction list") == 2  # before the create, and after the lost answer
        assert sandbox.count("POST cxone extraction create") == 1
    finally:
        sandbox.stop()


@pytest.mark.airflow
def test_incremental_agent_state_history_merges_the_late_changes_into_the_final_truth(
    sandbox_factory: Any, connect: Any, run_dag: Any, out_dir: Any
) -> None:
    hour = DataSpec(
        contacts=200,
        start="2026-01-01T00:00:00Z",
        end="2026-01-01T01:00:00Z",
        contact_settle_seconds=(40 * 60, 90 * 60),
        contact_change_max_seconds=30 * 60,
        late_fraction=0.4,
    )
    sandbox = sandbox_factory(hour)
    connect("nice_cxone_default", sandbox.cxone_connection())
    clock = SimulatedClock("2026-01-01T01:50:00Z")
    sandbox.clock = clock
    source = f"""
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.endpoints import CxoneAgentStateHistoryOperator

with DAG("cxone_states_incr", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    CxoneAgentStateHistoryOperator(task_id="states", output="{out_dir.as_uri()}", grain="hour", mode="incremental",
                                   start="2026-01-01T00:00:00Z", end="2026-01-01T01:00:00Z")
"""
    start, end = utc(2026, 1, 1).timestamp(), utc(2026, 1, 1, 1).timestamp()
    truth = [
        expected_row("agent_state_history", t, "spec")
        for t in sandbox.data.cxone_summary("agent_state_history", start, end)
    ]
    assert task_states(run_dag(source, utc(2026, 1, 2))) == {"states": "success"}
    (folder,) = partition_dirs(out_dir, "cxone", "agent_state_history")
    first = {row["stateIndex"]: row for row in records(folder)}
    assert 0 < len(first) < len(truth)  # early: some contacts have not settled, some will still change
    clock.set(utc(2026, 1, 1, 4).timestamp())  # every contact settled and changed by now
    assert task_states(run_dag(source, utc(2026, 1, 3))) == {"states": "success"}
    merged = {row["stateIndex"]: row for row in records(folder)}
    assert len(records(folder)) == len(merged) == len(truth)  # each state once
    assert merged == {row["stateIndex"]: row for row in truth}  # with the late changes (longer durations)
    changed = sum(first[i] != merged[i] for i in first)
    assert changed > 0, "no state changed between the runs: the merge was not exercised"
    assert json.loads((folder / "_manifest.json").read_text())["watermark"]


@pytest.mark.airflow
def test_typed_summaries_hold_durations_in_seconds_and_the_vendor_text_in_extra(
    sandbox_factory: Any, connect: Any, run_dag: Any, out_dir: Any
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    sandbox = sandbox_factory(DataSpec(contacts=300), cxone_shape="legacy")  # every value text, as real tenants
    connect("nice_cxone_default", sandbox.cxone_connection())
    source = f"""
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.endpoints import CxoneReportingOperator

with DAG("cxone_typed", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    CxoneReportingOperator(task_id="teams", report="teams/performance-total", output="{out_dir.as_uri()}",
                           output_format="parquet")
"""
    assert task_states(run_dag(source, utc(2026, 1, 2))) == {"teams": "success"}
    (folder,) = partition_dirs(out_dir, "cxone", "teams_performance_total")
    table = pq.read_table(folder).to_pylist()
    truth = sandbox.data.cxone_summary("teams_performance_total", DAY.start.timestamp(), DAY.end.timestamp())
    assert [row["totalAvgHandleTime"] for row in table] == [float(t["totalAvgHandleTime"]) for t in truth]
    assert [row["totalHandled"] for row in table] == [t["totalHandled"] for t in truth]  # "47" read as 47
    assert all(row["teamName"] is None for row in table)  # version 1's guess: never sent
    extra = json.loads(table[0]["_extra"])
    assert extra["iso8601Durations"]["totalAvgHandleTime"] == iso_duration(truth[0]["totalAvgHandleTime"])
