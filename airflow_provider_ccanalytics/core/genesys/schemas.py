"""Typed schemas of the Genesys Cloud datasets that are not a declared endpoint's (see :mod:`.endpoints`).

Columns follow the official Genesys SDK's models (purecloudplatformclientv2):
``AnalyticsConversationWithoutAttributes``, ``AnalyticsParticipantWithoutAttributes``, ``AnalyticsSession``,
``AnalyticsConversationSegment``, ``AnalyticsSessionMetric``, ``AnalyticsEvaluation``, ``AnalyticsSurvey`` and
``AnalyticsResolution`` for conversation details;
``AnalyticsUserDetail``, ``AnalyticsUserPresenceRecord`` and ``AnalyticsRoutingStatusRecord`` for agent
activity. The evolution rule is :mod:`...records.schemas`'.
"""

from __future__ import annotations

from airflow_provider_ccanalytics.core.genesys.aggregates import AGGREGATE_FAMILIES
from airflow_provider_ccanalytics.core.records import (
    DatasetSchema,
    boolean,
    columns,
    float64,
    int64,
    json_text,
    string,
    string_list,
    timestamp,
)

# -- analytics conversation details -------------------------------------------------------------------------

CONVERSATION = columns(
    string("conversationId"),
    timestamp("conversationStart", "conversationEnd"),
    string("originatingDirection", "conversationInitiator"),
    boolean("customerParticipation"),
    string("externalTag"),
    string_list("divisionIds", "knowledgeBaseIds"),
    float64("mediaStatsMinConversationMos", "mediaStatsMinConversationRFactor"),
    boolean("originatingSocialMediaPublic", "selfServed"),
    timestamp("conferenceStart", "inactivityTimeout"),
)
PARTICIPANT = columns(
    string(
        "participantId",
        "participantName",
        "purpose",
        "userId",
        "teamId",
        "externalContactId",
        "externalOrganizationId",
        "flaggedReason",
        "screenRecordingState",
    )
)
SESSION = columns(
    string(
        "sessionId",
        "mediaType",
        "direction",
        "ani",
        "dnis",
        "addressFrom",
        "addressTo",
        "addressOther",
        "addressSelf",
        "edgeId",
        "peerId",
        "protocolCallId",
        "provider",
        "remote",
        "remoteNameDisplayable",
        "sessionDnis",
        "selectedAgentId",
    ),
    string_list("requestedRoutings"),
    string("usedRouting"),
    int64("routingRing"),
    boolean("recording", "skipEnabled"),
    int64("timeoutSeconds", "mediaCount"),
    string("flowInType", "flowOutType", "outboundCampaignId", "outboundContactId", "outboundContactListId"),
)
SEGMENT = columns(
    timestamp("segmentStart", "segmentEnd"),
    string("segmentType", "disconnectType", "queueId", "wrapUpCode", "wrapUpNote"),
    string_list("wrapUpTags"),
    string("errorCode"),
    string_list("requestedRoutingSkillIds"),
    string("requestedLanguageId"),
    boolean("conference"),
    string("groupId", "subject", "sourceConversationId", "destinationConversationId"),
    boolean("audioMuted", "videoMuted"),
)
EVALUATION = columns(
    string("evaluationId", "evaluatorId", "assigneeId"),
    boolean("assigneeApplicable"),
    string("calibrationId", "contextId", "formId", "formName", "evaluationStatus"),
    timestamp("eventTime"),
    boolean("released", "rescored", "deleted", "systemSubmitted"),
    string("queueId", "userId"),
    int64("oTotalScore", "oTotalCriticalScore"),
)
SURVEY = columns(
    string("surveyId", "surveyFormId", "surveyFormName", "surveyFormContextId"),
    timestamp("eventTime"),
    string("userId", "queueId", "surveyStatus"),
    int64("surveyPromoterScore"),
    timestamp("surveyCompletedDate"),
    int64("oSurveyTotalScore"),
)
RESOLUTION = columns(timestamp("eventTime"), string("queueId", "userId"), int64("nNextContactAvoided"))
_CONVERSATION_KEY = string("conversationId")
_PARTICIPANT_KEY = columns(_CONVERSATION_KEY, string("participantId"))
_SESSION_KEY = columns(_PARTICIPANT_KEY, string("sessionId"))
_INTERVAL = timestamp("startTime", "endTime")

SCHEMAS: tuple[DatasetSchema, ...] = (
    # records layout: the top-level fields typed, the nested participants as JSON text
    # version 2: the quality lists (AnalyticsEvaluation, AnalyticsSurvey, AnalyticsResolution) as JSON text
    DatasetSchema(
        "conversation_details",
        2,
        columns(CONVERSATION, json_text("participants"), json_text("evaluations", "surveys", "resolutions")),
    ),
    # tables layout (Fivetran names the same tables conversation, conversation_participant, ...)
    DatasetSchema("conversation_details/conversations", 1, CONVERSATION),
    DatasetSchema("conversation_details/participants", 1, columns(_CONVERSATION_KEY, PARTICIPANT)),
    # participant attributes: one row per key
    DatasetSchema("conversation_details/attributes", 1, columns(_PARTICIPANT_KEY, string("name", "value"))),
    DatasetSchema("conversation_details/sessions", 1, columns(_PARTICIPANT_KEY, SESSION)),
    DatasetSchema("conversation_details/segments", 1, columns(_SESSION_KEY, int64("segmentIndex"), SEGMENT)),
    DatasetSchema(
        "conversation_details/metrics",
        1,
        columns(_SESSION_KEY, int64("metricIndex"), string("name"), int64("value"), timestamp("emitDate")),
    ),
    # the quality lists, one row per item keyed by conversationId (resolutions have no id: their position)
    DatasetSchema("conversation_details/evaluations", 1, columns(_CONVERSATION_KEY, EVALUATION)),
    DatasetSchema("conversation_details/surveys", 1, columns(_CONVERSATION_KEY, SURVEY)),
    DatasetSchema(
        "conversation_details/resolutions", 1, columns(_CONVERSATION_KEY, int64("resolutionIndex"), RESOLUTION)
    ),
    # conversation aggregates as flat rows (GenesysClient.iter_aggregate_rows): the groupBy dimensions most
    # used; other dimensions land in _extra until declared here
    DatasetSchema(
        "conversation_aggregates",
        1,
        columns(
            string(
                "queueId",
                "userId",
                "mediaType",
                "direction",
                "wrapUpCode",
                "divisionId",
                "originatingDirection",
                "purpose",
                "interval",
                "metric",
                "stat",
            ),
            float64("value"),
        ),
    ),
    # agent activity, users details
    DatasetSchema("user_details", 1, columns(string("userId"), json_text("primaryPresence", "routingStatus"))),
    DatasetSchema("user_details/users", 1, string("userId")),
    DatasetSchema(
        "user_details/presence",
        1,
        columns(
            string("userId"),
            _INTERVAL,
            string("systemPresence", "organizationPresenceId"),
            int64("durationMilliseconds"),
        ),
    ),
    DatasetSchema(
        "user_details/routing_status",
        1,
        columns(string("userId"), _INTERVAL, string("routingStatus"), int64("durationMilliseconds")),
    ),
    # the other aggregates families' rows, from their declarations (aggregates.AGGREGATE_FAMILIES)
    *(family.schema() for family in AGGREGATE_FAMILIES.values() if family.family != "conversations"),
)
