"""The declared Genesys Cloud endpoints (see :mod:`...datasets.endpoint`): platform lists and agent activity.

Adding a Genesys endpoint is one declaration here (added to :data:`ENDPOINTS`), plus its sandbox route written
from the vendor's docs. List shapes follow the platform API's entity listings (``entities``, ``pageSize``,
``pageNumber``, ``total``, ``pageCount``, ``nextUri``) and the official SDK's models; agent activity follows
``UserDetailsQuery`` and ``AnalyticsUserDetailsQueryResponse`` (``userDetails[]`` with ``primaryPresence[]``
and ``routingStatus[]``); evaluations follow ``QualityApi.post_quality_evaluations_search``
(``EvaluationSearchRequestDTO``: ``query``, ``pageSize``, ``pageNumber``, ``sortBy``; ``EvaluationSearchResponse``:
``results[]`` of ``EvaluationSearchItemResponse``; permission ``quality:evaluation:searchAny``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airflow_provider_ccanalytics.core.datasets import Endpoint
from airflow_provider_ccanalytics.core.partitions import parse_instant
from airflow_provider_ccanalytics.core.records import (
    Columns,
    boolean,
    columns,
    float64,
    int64,
    json_text,
    string,
    string_list,
    timestamp,
)

GENESYS_USER_DETAILS_QUERY = "/api/v2/analytics/users/details/query"
GENESYS_EVALUATIONS_SEARCH = "/api/v2/quality/evaluations/search"
#: the evaluation dates the search can filter on that mark a change: created, (re)submitted (a rescore
#: resubmits), released; ``changedDate`` itself is not a search field (``EvaluationSearchCriteriaDTO.field``)
EVALUATION_EVENT_DATES = ("createdDate", "submittedDate", "releaseDate")

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


def evaluation_rows(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One ``EvaluationSearchItemResponse`` as a row: the item, plus ``lastEventDate`` (the latest of
    :data:`EVALUATION_EVENT_DATES`: the partition key) and the ids and total score flat, for joins and reports."""
    events = [item[name] for name in EVALUATION_EVENT_DATES if item.get(name)]
    last = max(events, key=lambda value: parse_instant(value, "evaluation date")) if events else None

    def ref(name: str) -> Any:
        value = item.get(name)
        return value.get("id") if isinstance(value, dict) else None

    answers = item.get("answers")
    if not isinstance(answers, dict):
        answers = {}
    yield {
        **item,
        "lastEventDate": last,
        "conversationId": ref("conversation"),
        "agentId": ref("agent"),
        "evaluatorId": ref("evaluator"),
        "formId": ref("evaluationForm"),
        "queueId": ref("queue"),
        "totalScore": answers.get("totalScore"),
    }


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

GENESYS_EVALUATIONS = Endpoint(
    "genesys",
    "evaluations",
    GENESYS_EVALUATIONS_SEARCH,
    "results",
    method="POST",
    paging="body_fields",
    partition="by_time",
    # read by GenesysEvaluationsOperator: one DATE_RANGE search per event date and partition (the search ANDs
    # its criteria), each evaluation kept once, in the partition of its latest event
    time_field="lastEventDate",
    settings=(),
    page_size=100,  # GUESS: the SDK documents no maximum; 100 as for the platform lists
    rows=evaluation_rows,
    schema=columns(
        string("id", "conversationId", "agentId", "evaluatorId", "formId", "queueId", "status"),
        float64("totalScore"),
        timestamp("lastEventDate", "createdDate", "submittedDate", "releaseDate", "changedDate"),
        timestamp("assignedDate", "revisionCreatedDate", "dateAssigneeChanged"),
        timestamp("conversationDate", "conversationEndDate"),
        boolean("rescore", "agentHasRead", "assigneeApplicable", "neverRelease", "assigned", "redacted"),
        string_list("mediaType", "divisionIds"),
        json_text("conversation", "evaluationForm", "evaluator", "agent", "assignee", "queue", "calibration"),
        json_text("answers", "evaluationSource", "aiScoring"),
        string("name", "resourceId", "resourceType", "selfUri"),
    ),
    doc="quality evaluations, each in the partition of its latest event (created, submitted, released)",
    guess="page size 100; whether a DATE_RANGE's end is inclusive (the client keeps [start, end) either way)",
)

# -- speech & text analytics (issue 25); source: the official SDK, build/docs/SpeechTextAnalyticsApi.md ---------
#: ``get_speechandtextanalytics_conversation_communication_transcripturls`` -> ``TranscriptUrls``
#: (``conversation``, ``communicationId``, ``urls[]`` of ``SegmentUrl``: ``recording``, ``url``, a pre-signed S3 URL);
#: Requires ANY of ``recording:recording:view``, ``recording:recordingSegment:view``
GENESYS_TRANSCRIPT_URLS = (
    "/api/v2/speechandtextanalytics/conversations/{conversationId}/communications/{communicationId}/transcripturls"
)
GENESYS_TOPICS = Endpoint(
    "genesys",
    "topics",
    # get_speechandtextanalytics_topics -> TopicsEntityListing (entities[] of ListedTopic, pageSize, total,
    # nextUri, pageCount); params nextPage, pageSize (default 20, "The max that will be returned is 500"),
    # pageNumber, state (latest, published), ...; permission speechAndTextAnalytics:topic:view
    "/api/v2/speechandtextanalytics/topics",
    "entities",
    paging="platform",
    options=("state",),
    page_size=100,  # under the documented maximum (500), as for the other platform lists
    schema=columns(
        _ID,
        string("description", "strictness", "matchingType", "dialect", "participants"),
        boolean("published"),
        int64("programsCount", "phrasesCount"),
        string_list("tags"),
        json_text("modifiedBy"),
        timestamp("dateModified"),
        _REF,
    ),
    doc="speech & text analytics topics (state=latest unless options={'state': 'published'})",
    guess="that nextUri carries the listing's nextPage cursor (the platform paginator follows it either way)",
)
GENESYS_TRANSCRIPTS = Endpoint(
    "genesys",
    "transcripts",
    GENESYS_TRANSCRIPT_URLS,
    "urls",
    paging="none",
    partition="by_time",
    # read by GenesysTranscriptsOperator: one transcripturls call per voice communication of the window's
    # conversation details, then each pre-signed transcript fetched without auth; a row per transcript file
    time_field="conversationStart",
    settings=(),
    key=("communicationId", "recordingId"),
    schema=columns(
        string("conversationId", "communicationId", "recordingId", "organizationId", "mediaType", "uri"),
        timestamp("conversationStart"),
        int64("conversationStartTime", "startTime"),
        json_text("duration", "transcripts", "participants"),
    ),
    doc="speech & text analytics transcripts of voice communications, in the partition of the conversation's start",
    guess="the communication id is the customer participant's voice sessionId; no transcript answers 404",
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
    GENESYS_EVALUATIONS,
    GENESYS_TOPICS,
    GENESYS_TRANSCRIPTS,
)
