"""The declared NICE CXone endpoints (see :mod:`...datasets.endpoint`): admin lists, reporting summaries and
agent state history.

Adding a CXone endpoint is one declaration here (added to :data:`ENDPOINTS`), plus its sandbox route written
from NICE's published spec. Each declaration names its source: the client generated from NICE's spec
(calljacob/nice-cxone-api ``src/services/admin/AdminAgentsService.ts``, ``AdminSkillsService.ts``,
``src/services/reporting/ReportingReportingService.ts``) and singer-io/tap-nice-incontact (``streams.py``, its
schemas and tests), which reads real tenants. What neither shows is marked GUESS (``guess=`` and the README's
"Vendor shapes we are unsure of").
"""

from __future__ import annotations

from typing import Any

from airflow_provider_ccanalytics.core.cxone.values import summary_rows
from airflow_provider_ccanalytics.core.datasets import Endpoint
from airflow_provider_ccanalytics.core.records import Columns, boolean, columns, float64, int64, string, timestamp

CXONE_V34 = "/inContactAPI/services/v34.0"


def _cxone(
    dataset: str, path: str, records_key: str, schema: Columns, doc: str, paging: str, guess: str = "", **more: Any
) -> Endpoint:
    return Endpoint(
        "cxone", dataset, f"{CXONE_V34}{path}", records_key, paging=paging, schema=schema, doc=doc, guess=guess, **more
    )


# ids as strings, like completed contacts' agentId/skillId/teamId (so the tables join on equal types)
# `GET /agents` (AdminAgentsService `getAgents`: skip/top/orderBy in; totalRecords, _links, `agents[]` out)
CXONE_AGENTS = _cxone(
    "agents",
    "/agents",
    "agents",
    columns(string("agentId", "userName", "firstName", "lastName", "teamId", "teamName"), boolean("isActive")),
    "agents",
    "skip_top",
    key=("agentId",),
)
# `GET /skills` (AdminSkillsService `getSkills`: mediaTypeId/outboundStrategy in, no skip/top: the whole list; the
# answer is untyped there, the record fields are `getSkillsId`'s)
CXONE_SKILLS = _cxone(
    "skills",
    "/skills",
    "skills",
    columns(string("skillId", "skillName", "mediaTypeId"), boolean("isActive")),
    "skills",
    "none",
    guess="records key `skills`",
    key=("skillId",),
)
# `GET /teams`: not in the generated client; paged like `GET /agents` (the repeated-page guard stops a loop)
CXONE_TEAMS = _cxone(
    "teams",
    "/teams",
    "teams",
    columns(string("teamId", "teamName"), boolean("isActive")),
    "teams",
    "skip_top",
    guess="paging, records key and columns",
    key=("teamId",),
)


def _summary(
    dataset: str, path: str, records_key: str, key: str, schema: Columns, durations: tuple[str, ...], **more: Any
) -> Endpoint:
    # reporting summaries: what the endpoint answers for the window given as startDate/endDate, read as typed rows
    return _cxone(
        dataset,
        path,
        records_key,
        schema,
        key=(key,),
        partition="queried_window",
        window_params=("startDate", "endDate"),
        rows=summary_rows(schema, durations),
        schema_version=2,
        **more,
    )


# `GET /skills/summary` (ReportingReportingService `getFullSkillSummaries`; the tap's `SkillsSummary`, one request
# a window). Version 1's `contactsAbandoned` is never sent (the spec says `abandonCount`): kept, as columns are never
# removed. Durations: ISO-8601 strings in the spec, seconds as text in the tap's sample; both read as seconds.
_SKILL_DURATIONS = (
    "averageHandleTime",
    "averageInqueueTime",
    "averageSpeedToAnswer",
    "averageTalkTime",
    "averageWrapTime",
    "holdTime",
    "longestQueueDur",
    "totalContactTime",
)
_SKILL_TOTALS = columns(
    string("skillId", "skillName"),
    int64("contactsOffered", "contactsHandled", "contactsAbandoned"),
    float64("averageHandleTime"),
    int64("abandonCount", "contactsQueued", "contactsWithinSLA", "contactsOutOfSLA"),
    float64("abandonRate", "serviceLevel"),
    float64(*_SKILL_DURATIONS[1:]),
    string("mediaTypeId", "mediaTypeName", "campaignId", "campaignName", "businessUnitId"),
    boolean("isOutbound"),
)
# `GET /skills/sla-summary` (`getFullSLASummaries`: skip/top in, totalRecords/_links out; PascalCase in the spec,
# camelCase in the tap's schema: both read)
_SKILL_SERVICE_LEVEL = columns(
    string("skillId", "skillName"),
    int64("contactsWithinSLA", "contactsOutOfSLA", "totalContacts"),
    float64("serviceLevel"),
    string("businessUnitId"),
)
# `GET /teams/performance-total` (`teamPerformanceSummaryTotalsAll`; the tap's `TeamsPerformanceTotal`). Version
# 1's `teamName` and `averageHandleTime` are never sent (kept, never removed): `totalAvgHandleTime` is the field.
_TEAM_DURATIONS = (
    "totalAvgHandleTime",
    "inboundTime",
    "inboundTalkTime",
    "inboundAvgTalkTime",
    "outboundTime",
    "outboundTalkTime",
    "outboundAvgTalkTime",
    "totalTalkTime",
    "totalAvgTalkTime",
    "consultTime",
    "availableTime",
    "unavailableTime",
    "avgAvailableTime",
    "avgUnavailableTime",
    "acwTime",
    "loginTime",
)
_TEAM_TOTALS = columns(
    string("teamId", "teamName"),
    int64("inboundHandled", "outboundHandled", "totalHandled"),
    float64("averageHandleTime"),
    float64(*_TEAM_DURATIONS),
    int64("agentOffered", "totalAvgHandled", "refused"),
    float64("percentRefused", "workingRate", "occupancy"),
)
CXONE_SKILLS_SUMMARY = _summary(
    "skills_summary",
    "/skills/summary",
    "skillSummaries",
    "skillId",
    _SKILL_TOTALS,
    _SKILL_DURATIONS,
    doc="per-skill totals of the window (one request)",
    paging="none",
)
CXONE_SKILLS_SLA_SUMMARY = _summary(
    "skills_sla_summary",
    "/skills/sla-summary",
    "serviceLevelSummaries",
    "skillId",
    _SKILL_SERVICE_LEVEL,
    (),
    doc="per-skill service level of the window",
    paging="skip_top",
)
CXONE_TEAMS_PERFORMANCE = _summary(
    "teams_performance_total",
    "/teams/performance-total",
    "teamPerformanceTotal",
    "teamId",
    _TEAM_TOTALS,
    _TEAM_DURATIONS,
    doc="per-team performance totals of the window (one request)",
    paging="none",
)

# `GET /agents/state-history` (ReportingReportingService `getAgentsStateHistory`: startDate, endDate, updatedSince,
# skip, top, orderBy, fields in; totalRecords, _links, lastPollTime, `agentStateHistory[]` out). Each state goes
# into the partition of its `startDate`.
_STATE_DURATIONS = ("duration",)
_AGENT_STATE = columns(
    string("agentId", "agentStateId", "agentStateName", "agentSessionId", "contactId", "skillId", "skillName"),
    string("teamId", "mediaTypeId", "mediaTypeName", "fromAddress", "toAddress", "stationId", "stationName"),
    string("outStateId", "outStateDescription"),
    int64("stateIndex"),
    timestamp("startDate"),
    float64("duration"),
    boolean("isOutbound", "isNaturalCalling"),
)
CXONE_AGENT_STATE_HISTORY = _cxone(
    "agent_state_history",
    "/agents/state-history",
    "agentStateHistory",
    _AGENT_STATE,
    "every agent's states that started in the window (CXone's agent activity)",
    "skip_top",
    key=("agentId", "startDate", "stateIndex"),
    partition="by_time",
    time_field="startDate",
    window_params=("startDate", "endDate"),
    rows=summary_rows(_AGENT_STATE, _STATE_DURATIONS),
    page_size=10_000,
)

#: every declared CXone endpoint (the registry, :mod:`airflow_provider_ccanalytics.core.catalog`, reads this)
ENDPOINTS: tuple[Endpoint, ...] = (
    CXONE_AGENTS,
    CXONE_SKILLS,
    CXONE_TEAMS,
    CXONE_SKILLS_SUMMARY,
    CXONE_SKILLS_SLA_SUMMARY,
    CXONE_TEAMS_PERFORMANCE,
    CXONE_AGENT_STATE_HISTORY,
)
