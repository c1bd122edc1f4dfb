"""The declared NICE CXone endpoints (see :mod:`...datasets.endpoint`): admin lists and reporting summaries.

Adding a CXone endpoint is one declaration here (added to :data:`ENDPOINTS`), plus its sandbox route written
from NICE's published spec. The paths are NICE's v34 reporting/admin paths; their record keys and columns are a
GUESS (no public response sample was found): the client reads whatever fields come.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_ccanalytics.core.datasets import Endpoint
from airflow_provider_ccanalytics.core.records import Columns, boolean, float64, int64, string

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
    (
        string("agentId"),
        string("userName"),
        string("firstName"),
        string("lastName"),
        string("teamId"),
        string("teamName"),
        boolean("isActive"),
    ),
    "agents",
    key=("agentId",),
)
CXONE_SKILLS = _cxone(
    "skills",
    "/skills",
    "skills",
    (string("skillId"), string("skillName"), string("mediaTypeId"), boolean("isActive")),
    "skills",
    key=("skillId",),
)
CXONE_TEAMS = _cxone(
    "teams",
    "/teams",
    "teams",
    (string("teamId"), string("teamName"), boolean("isActive")),
    "teams",
    key=("teamId",),
)
_SUMMARY: dict[str, Any] = {"partition": "queried_window", "window_params": ("startDate", "endDate")}
CXONE_SKILLS_SUMMARY = _cxone(
    "skills_summary",
    "/skills/summary",
    "skillSummaries",
    (
        string("skillId"),
        string("skillName"),
        int64("contactsOffered"),
        int64("contactsHandled"),
        int64("contactsAbandoned"),
        float64("averageHandleTime"),
    ),
    "per-skill totals of the window",
    key=("skillId",),
    **_SUMMARY,
)
CXONE_SKILLS_SLA_SUMMARY = _cxone(
    "skills_sla_summary",
    "/skills/sla-summary",
    "serviceLevelSummaries",
    (
        string("skillId"),
        string("skillName"),
        int64("contactsWithinSLA"),
        int64("contactsOutOfSLA"),
        int64("totalContacts"),
        float64("serviceLevel"),
    ),
    "per-skill service level of the window",
    key=("skillId",),
    **_SUMMARY,
)
CXONE_TEAMS_PERFORMANCE = _cxone(
    "teams_performance_total",
    "/teams/performance-total",
    "teamPerformanceTotal",
    (
        string("teamId"),
        string("teamName"),
        int64("inboundHandled"),
        int64("outboundHandled"),
        int64("totalHandled"),
        float64("averageHandleTime"),
    ),
    "per-team performance totals of the window",
    key=("teamId",),
    **_SUMMARY,
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
