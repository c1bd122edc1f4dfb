"""The declared Genesys Cloud endpoints (see :mod:`...datasets.endpoint`): platform lists and agent activity.

Adding a Genesys endpoint is one declaration here (added to :data:`ENDPOINTS`), plus its sandbox route written
from the vendor's docs. List shapes follow the platform API's entity listings (``entities``, ``pageSize``,
``pageNumber``, ``total``, ``pageCount``, ``nextUri``) and the official SDK's models; agent activity follows
``UserDetailsQuery`` and ``AnalyticsUserDetailsQueryResponse`` (``userDetails[]`` with ``primaryPresence[]``
and ``routingStatus[]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airflow_provider_ccanalytics.core.datasets import Endpoint
from airflow_provider_ccanalytics.core.records import Columns, boolean, columns, int64, json_text, string, timestamp

GENESYS_USER_DETAILS_QUERY = "/api/v2/analytics/users/details/query"

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


def _genesys_list(dataset: str, path: str, schema: Columns, doc: str, **more: Any) -> Endpoint:
    return Endpoint("genesys", dataset, path, "entities", paging="platform", schema=schema, doc=doc, **more)


_ID = string("id", "name")
_REF = string("selfUri")  # every platform entity links to itself
GENESYS_USERS = _genesys_list(
    "users",
    "/api/v2/users",
    columns(
        _ID,
        string("email", "username", "state"),
        json_text("division"),
        string("department", "title"),
        int64("version"),
        _REF,
        json_text("skills", "groups", "languages"),
    ),
    "users (state=any: deleted users too, so old conversations resolve); `division` always; expand e.g. skills",
    params={"state": "any"},
    options=("expand", "state"),
)
GENESYS_QUEUES = _genesys_list(
    "queues",
    "/api/v2/routing/queues",
    columns(
        _ID,
        string("description"),
        json_text("division"),
        int64("memberCount"),
        json_text("mediaSettings"),
        timestamp("dateCreated", "dateModified"),
        _REF,
    ),
    "routing queues",
)
GENESYS_WRAPUP_CODES = _genesys_list(
    "wrapupcodes",
    "/api/v2/routing/wrapupcodes",
    columns(_ID, json_text("division"), timestamp("dateCreated"), _REF),
    "wrap-up codes",
)
GENESYS_DIVISIONS = _genesys_list(
    "divisions",
    "/api/v2/authorization/divisions",
    columns(_ID, string("description"), boolean("homeDivision"), _REF),
    "divisions",
)
_ROUTING_ENTITY = columns(_ID, string("state"), timestamp("dateModified"), _REF)
GENESYS_SKILLS = _genesys_list("skills", "/api/v2/routing/skills", _ROUTING_ENTITY, "routing skills (ACD)")
GENESYS_LANGUAGES = _genesys_list(
    "languages", "/api/v2/routing/languages", _ROUTING_ENTITY, "routing languages (language skills)"
)
GENESYS_FLOWS = _genesys_list(
    "flows",
    "/api/v2/flows",
    columns(_ID, string("description", "type"), json_text("division"), _REF),
    "Architect flows",
    options=("type",),
)
GENESYS_USER_DETAILS = Endpoint(
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

#: every declared Genesys endpoint (the registry, :mod:`airflow_provider_ccanalytics.core.catalog`, reads this)
ENDPOINTS: tuple[Endpoint, ...] = (
    GENESYS_USERS,
    GENESYS_QUEUES,
    GENESYS_WRAPUP_CODES,
    GENESYS_DIVISIONS,
    GENESYS_SKILLS,
    GENESYS_LANGUAGES,
    GENESYS_FLOWS,
    GENESYS_USER_DETAILS,
)
