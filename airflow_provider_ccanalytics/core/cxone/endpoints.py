"""The declared NICE CXone endpoints (see :mod:`...datasets.endpoint`): admin lists and reporting summaries.

Adding a CXone endpoint is one declaration here (added to :data:`ENDPOINTS`), plus its sandbox route written
from NICE's published spec. The paths are NICE's v34 reporting/admin paths; their record keys and columns are a
GUESS (no public response sample was found): the client reads whatever fields come.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_ccanalytics.core.datasets import Endpoint
from airflow_provider_ccanalytics.core.records import Columns, boolean, columns, float64, int64, string

CXONE_V34 = "/inContactAPI/services/v34.0"


def _cxone(dataset: str, path: str, records_key: str, schema: Columns, doc: str, **more: Any) -> Endpoint:
    # guess: records_key, the fields and `_links`/`totalRecords` paging of the admin lists and summaries are not
    # in any public sample; the paginator follows `_links.next` when present, else skip/top to a short page
    return Endpoint(
        "cxone",
        dataset,
        f"{CXONE_V34}{path}",
        records_key,
        paging="skip_top",
        schema=schema,
        doc=doc,
        guess="record key and columns",
        **more,
    )


# ids as strings, like completed contacts' agentId/skillId/teamId (so the tables join on equal types)
CXONE_AGENTS = _cxone(
    "agents",
    "/agents",
    "agents",
    columns(string("agentId", "userName", "firstName", "lastName", "teamId", "teamName"), boolean("isActive")),
    "agents",
    key=("agentId",),
)
CXONE_SKILLS = _cxone(
    "skills",
    "/skills",
    "skills",
    columns(string("skillId", "skillName", "mediaTypeId"), boolean("isActive")),
    "skills",
    key=("skillId",),
)
CXONE_TEAMS = _cxone(
    "teams", "/teams", "teams", columns(string("teamId", "teamName"), boolean("isActive")), "teams", key=("teamId",)
)


def _summary(dataset: str, path: str, records_key: str, key: str, schema: Columns, doc: str) -> Endpoint:
    # reporting summaries: what the endpoint answers for the window given as startDate/endDate
    return _cxone(
        dataset,
        path,
        records_key,
        schema,
        doc,
        key=(key,),
        partition="queried_window",
        window_params=("startDate", "endDate"),
    )


_SKILL_TOTALS = columns(
    string("skillId", "skillName"),
    int64("contactsOffered", "contactsHandled", "contactsAbandoned"),
    float64("averageHandleTime"),
)
_SKILL_SERVICE_LEVEL = columns(
    string("skillId", "skillName"),
    int64("contactsWithinSLA", "contactsOutOfSLA", "totalContacts"),
    float64("serviceLevel"),
)
_TEAM_TOTALS = columns(
    string("teamId", "teamName"),
    int64("inboundHandled", "outboundHandled", "totalHandled"),
    float64("averageHandleTime"),
)
CXONE_SKILLS_SUMMARY = _summary(
    "skills_summary", "/skills/summary", "skillSummaries", "skillId", _SKILL_TOTALS, "per-skill totals of the window"
)
CXONE_SKILLS_SLA_SUMMARY = _summary(
    "skills_sla_summary",
    "/skills/sla-summary",
    "serviceLevelSummaries",
    "skillId",
    _SKILL_SERVICE_LEVEL,
    "per-skill service level of the window",
)
CXONE_TEAMS_PERFORMANCE = _summary(
    "teams_performance_total",
    "/teams/performance-total",
    "teamPerformanceTotal",
    "teamId",
    _TEAM_TOTALS,
    "per-team performance totals of the window",
)

#: every declared CXone endpoint (the registry, :mod:`airflow_provider_ccanalytics.core.catalog`, reads this)
ENDPOINTS: tuple[Endpoint, ...] = (
    CXONE_AGENTS,
    CXONE_SKILLS,
    CXONE_TEAMS,
    CXONE_SKILLS_SUMMARY,
    CXONE_SKILLS_SLA_SUMMARY,
    CXONE_TEAMS_PERFORMANCE,
)
