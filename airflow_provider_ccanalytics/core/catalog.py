"""The declared endpoints (see :mod:`.endpoints`): Genesys platform lists and agent activity, CXone admin lists
and reporting summaries. Adding an endpoint is one declaration here, plus its sandbox data.

Genesys list shapes follow the platform API's entity listings (``entities``, ``pageSize``, ``pageNumber``,
``total``, ``pageCount``, ``nextUri``) and the SDK models; agent activity follows ``UserDetailsQuery`` and
``AnalyticsUserDetailsQueryResponse`` (``userDetails[]`` with ``primaryPresence[]`` and ``routingStatus[]``).
CXone admin lists and summaries: the paths are NICE's v34 reporting/admin paths; their record keys and
columns are a GUESS (no public response sample was found): the client reads whatever fields come.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airflow_provider_ccanalytics.core.endpoints import Endpoint, register

GENESYS_USER_DETAILS_QUERY = "/api/v2/analytics/users/details/query"
CXONE_V34 = "/inContactAPI/services/v34.0"

#: the columns of an agent-activity row: one per presence or routing-status interval
USER_INTERVAL_COLUMNS = (
    "userId",
    "recordType",
    "startTime",
    "endTime",
    "durationMilliseconds",
    "systemPresence",
    "organizationPresenceId",
    "routingStatus",
)


def user_detail_rows(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One ``AnalyticsUserDetail`` as rows: one per ``primaryPresence`` (``recordType`` ``presence``) and per
    ``routingStatus`` interval (``routing``), all with the same columns (:data:`USER_INTERVAL_COLUMNS`)."""
    user = record.get("userId")
    for kind, key in (("presence", "primaryPresence"), ("routing", "routingStatus")):
        for interval in record.get(key) or []:
            yield {
                "userId": user,
                "recordType": kind,
                "startTime": interval.get("startTime"),
                "endTime": interval.get("endTime"),
                "durationMilliseconds": interval.get("durationMilliseconds"),
                "systemPresence": interval.get("systemPresence"),
                "organizationPresenceId": interval.get("organizationPresenceId"),
                "routingStatus": interval.get("routingStatus"),
            }


def interval_is_open(row: dict[str, Any]) -> bool:
    """An agent-activity interval that has not ended (no ``endTime``)."""
    return not row.get("endTime")


def _genesys_list(dataset: str, path: str, schema: str, doc: str, **more: Any) -> Endpoint:
    return register(Endpoint("genesys", dataset, path, "entities", paging="platform", schema=schema, doc=doc, **more))


_REF = "selfUri:string"  # every platform entity links to itself
GENESYS_USERS = _genesys_list(
    "users",
    "/api/v2/users",
    "id:string name:string email:string username:string state:string division:json department:string "
    f"title:string version:int64 {_REF} skills:json groups:json languages:json",
    "users (state=any: deleted users too, so old conversations resolve); `division` always; expand e.g. skills",
    params={"state": "any"},
    options=("expand", "state"),
)
GENESYS_QUEUES = _genesys_list(
    "queues",
    "/api/v2/routing/queues",
    "id:string name:string description:string division:json memberCount:int64 mediaSettings:json "
    f"dateCreated:timestamp dateModified:timestamp {_REF}",
    "routing queues",
)
GENESYS_WRAPUP_CODES = _genesys_list(
    "wrapupcodes",
    "/api/v2/routing/wrapupcodes",
    f"id:string name:string division:json dateCreated:timestamp {_REF}",
    "wrap-up codes",
)
GENESYS_DIVISIONS = _genesys_list(
    "divisions",
    "/api/v2/authorization/divisions",
    f"id:string name:string description:string homeDivision:bool {_REF}",
    "divisions",
)
GENESYS_SKILLS = _genesys_list(
    "skills",
    "/api/v2/routing/skills",
    f"id:string name:string state:string dateModified:timestamp {_REF}",
    "routing skills (ACD)",
)
GENESYS_LANGUAGES = _genesys_list(
    "languages",
    "/api/v2/routing/languages",
    f"id:string name:string state:string dateModified:timestamp {_REF}",
    "routing languages (language skills)",
)
GENESYS_FLOWS = _genesys_list(
    "flows",
    "/api/v2/flows",
    f"id:string name:string description:string type:string division:json {_REF}",
    "Architect flows",
    options=("type",),
)
GENESYS_USER_DETAILS = register(
    Endpoint(
        "genesys",
        "user_details",
        GENESYS_USER_DETAILS_QUERY,
        "userDetails",
        method="POST",
        paging="page_body",
        partition="by_time",
        time_field="startTime",
        window_body="interval",
        # one record per user per partition, nested like the API (GenesysUserDetailsOperator; tables layout:
        # presence and routing_status rows); user_detail_rows is the flat view (ground truth, docs)
        key=("userId",),
        columns=("userId", "primaryPresence", "routingStatus"),
        doc="agent activity: presence and routing-status intervals, each in the partition of its startTime",
    )
)


def _cxone(dataset: str, path: str, records_key: str, schema: str, doc: str, **more: Any) -> Endpoint:
    # guess: records_key, the fields and `_links`/`totalRecords` paging of the admin lists and summaries are not
    # in any public sample; the paginator follows `_links.next` when present, else skip/top to a short page
    return register(
        Endpoint(
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
    )


# ids as strings, like completed contacts' agentId/skillId/teamId (so the tables join on equal types)
CXONE_AGENTS = _cxone(
    "agents",
    "/agents",
    "agents",
    "agentId:string userName:string firstName:string lastName:string teamId:string teamName:string isActive:bool",
    "agents",
    key=("agentId",),
)
CXONE_SKILLS = _cxone(
    "skills",
    "/skills",
    "skills",
    "skillId:string skillName:string mediaTypeId:string isActive:bool",
    "skills",
    key=("skillId",),
)
CXONE_TEAMS = _cxone(
    "teams", "/teams", "teams", "teamId:string teamName:string isActive:bool", "teams", key=("teamId",)
)
_SUMMARY = {"partition": "queried_window", "window_params": ("startDate", "endDate")}
CXONE_SKILLS_SUMMARY = _cxone(
    "skills_summary",
    "/skills/summary",
    "skillSummaries",
    "skillId:string skillName:string contactsOffered:int64 contactsHandled:int64 contactsAbandoned:int64 "
    "averageHandleTime:float64",
    "per-skill totals of the window",
    key=("skillId",),
    **_SUMMARY,
)
CXONE_SKILLS_SLA_SUMMARY = _cxone(
    "skills_sla_summary",
    "/skills/sla-summary",
    "serviceLevelSummaries",
    "skillId:string skillName:string contactsWithinSLA:int64 contactsOutOfSLA:int64 totalContacts:int64 "
    "serviceLevel:float64",
    "per-skill service level of the window",
    key=("skillId",),
    **_SUMMARY,
)
CXONE_TEAMS_PERFORMANCE = _cxone(
    "teams_performance_total",
    "/teams/performance-total",
    "teamPerformanceTotal",
    "teamId:string teamName:string inboundHandled:int64 outboundHandled:int64 totalHandled:int64 "
    "averageHandleTime:float64",
    "per-team performance totals of the window",
    key=("teamId",),
    **_SUMMARY,
)
