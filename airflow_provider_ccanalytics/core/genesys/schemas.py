"""Typed schemas of the Genesys Cloud datasets that are not a declared endpoint's (see :mod:`.endpoints`).

Columns follow the official Genesys SDK's models (purecloudplatformclientv2):
``AnalyticsConversationWithoutAttributes``, ``AnalyticsParticipantWithoutAttributes``, ``AnalyticsSession``,
``AnalyticsConversationSegment`` and ``AnalyticsSessionMetric`` for conversation details;
``AnalyticsUserDetail``, ``AnalyticsUserPresenceRecord`` and ``AnalyticsRoutingStatusRecord`` for agent
activity. The evolution rule is :mod:`...records.schemas`'.
"""

from __future__ import annotations

from airflow_provider_ccanalytics.core.records import (
    Columns,
    DatasetSchema,
    boolean,
    float64,
    int64,
    json_text,
    string,
    string_list,
    timestamp,
)

# -- analytics conversation details -------------------------------------------------------------------------

CONVERSATION: Columns = (
    string("conversationId"),
    timestamp("conversationStart"),
    timestamp("conversationEnd"),
    string("originatingDirection"),
    string("conversationInitiator"),
    boolean("customerParticipation"),
    string("externalTag"),
    string_list("divisionIds"),
    string_list("knowledgeBaseIds"),
    float64("mediaStatsMinConversationMos"),
    float64("mediaStatsMinConversationRFactor"),
    boolean("originatingSocialMediaPublic"),
    boolean("selfServed"),
    timestamp("conferenceStart"),
    timestamp("inactivityTimeout"),
)

PARTICIPANT: Columns = (
    string("participantId"),
    string("participantName"),
    string("purpose"),
    string("userId"),
    string("teamId"),
    string("externalContactId"),
    string("externalOrganizationId"),
    string("flaggedReason"),
    string("screenRecordingState"),
)

SESSION: Columns = (
    string("sessionId"),
    string("mediaType"),
    string("direction"),
    string("ani"),
    string("dnis"),
    string("addressFrom"),
    string("addressTo"),
    string("addressOther"),
    string("addressSelf"),
    string("edgeId"),
    string("peerId"),
    string("protocolCallId"),
    string("provider"),
    string("remote"),
    string("remoteNameDisplayable"),
    string("sessionDnis"),
    string("selectedAgentId"),
    string_list("requestedRoutings"),
    string("usedRouting"),
    int64("routingRing"),
    boolean("recording"),
    boolean("skipEnabled"),
    int64("timeoutSeconds"),
    int64("mediaCount"),
    string("flowInType"),
    string("flowOutType"),
    string("outboundCampaignId"),
    string("outboundContactId"),
    string("outboundContactListId"),
)

SEGMENT: Columns = (
    timestamp("segmentStart"),
    timestamp("segmentEnd"),
    string("segmentType"),
    string("disconnectType"),
    string("queueId"),
    string("wrapUpCode"),
    string("wrapUpNote"),
    string_list("wrapUpTags"),
    string("errorCode"),
    string_list("requestedRoutingSkillIds"),
    string("requestedLanguageId"),
    boolean("conference"),
    string("groupId"),
    string("subject"),
    string("sourceConversationId"),
    string("destinationConversationId"),
    boolean("audioMuted"),
    boolean("videoMuted"),
)

_CONVERSATION_KEY: Columns = (string("conversationId"),)
_PARTICIPANT_KEY: Columns = (*_CONVERSATION_KEY, string("participantId"))
_SESSION_KEY: Columns = (*_PARTICIPANT_KEY, string("sessionId"))
_INTERVAL: Columns = (timestamp("startTime"), timestamp("endTime"))

SCHEMAS: tuple[DatasetSchema, ...] = (
    # records layout: the top-level fields typed, the nested participants as JSON text
    DatasetSchema("conversation_details", 1, (*CONVERSATION, json_text("participants"))),
    # tables layout (Fivetran names the same tables conversation, conversation_participant, ...)
    DatasetSchema("conversation_details/conversations", 1, CONVERSATION),
    DatasetSchema("conversation_details/participants", 1, (*_CONVERSATION_KEY, *PARTICIPANT)),
    # participant attributes: one row per key
    DatasetSchema("conversation_details/attributes", 1, (*_PARTICIPANT_KEY, string("name"), string("value"))),
    DatasetSchema("conversation_details/sessions", 1, (*_PARTICIPANT_KEY, *SESSION)),
    DatasetSchema("conversation_details/segments", 1, (*_SESSION_KEY, int64("segmentIndex"), *SEGMENT)),
    DatasetSchema(
        "conversation_details/metrics",
        1,
        (*_SESSION_KEY, int64("metricIndex"), string("name"), int64("value"), timestamp("emitDate")),
    ),
    # conversation aggregates as flat rows (GenesysClient.iter_aggregate_rows): the groupBy dimensions most
    # used; other dimensions land in _extra until declared here
    DatasetSchema(
        "conversation_aggregates",
        1,
        (
            string("queueId"),
            string("userId"),
            string("mediaType"),
            string("direction"),
            string("wrapUpCode"),
            string("divisionId"),
            string("originatingDirection"),
            string("purpose"),
            string("interval"),
            string("metric"),
            string("stat"),
            float64("value"),
        ),
    ),
    # agent activity, users details
    DatasetSchema("user_details", 1, (string("userId"), json_text("primaryPresence"), json_text("routingStatus"))),
    DatasetSchema("user_details/users", 1, (string("userId"),)),
    DatasetSchema(
        "user_details/presence",
        1,
        (
            string("userId"),
            *_INTERVAL,
            string("systemPresence"),
            string("organizationPresenceId"),
            int64("durationMilliseconds"),
        ),
    ),
    DatasetSchema(
        "user_details/routing_status",
        1,
        (string("userId"), *_INTERVAL, string("routingStatus"), int64("durationMilliseconds")),
    ),
)
