"""Genesys Cloud analytics aggregates: one declaration per family (conversations, users, flows, evaluations,
surveys), the query body it allows, and the flat rows its answers become.

Each family has ``POST /api/v2/analytics/{family}/aggregates/query`` (synchronous, no paging) and
``POST /api/v2/analytics/{family}/aggregates/jobs`` (asynchronous: status ``GET .../jobs/{jobId}``, results
``GET .../jobs/{jobId}/results`` paged by ``cursor``). Metrics, groupBy dimensions and ``alternateTimeDimension``
values are those of the official Genesys SDK models (``ConversationAggregationQuery``, ``UserAggregationQuery``,
``FlowAggregationQuery``, ``EvaluationAggregationQuery``, ``SurveyAggregationQuery``, their ``...AsyncAggregationQuery``
job bodies with ``pageSize``, answers ``...AggregateQueryResponse`` / ``...AsyncAggregateQueryResponse``:
``results[]`` of ``{group, data: [{interval, metrics: [{metric, qualifier, stats}]}]}``, ``cursor``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.partitions import parse_instant
from airflow_provider_ccanalytics.core.records import DatasetSchema, columns, float64, string


@dataclass(frozen=True)
class AggregateFamily:
    """One aggregates family, as the Genesys SDK declares its query model.

    :param family: the path segment (``/api/v2/analytics/{family}/aggregates/...``).
    :param dataset: the dataset name (``{singular}_aggregates``).
    :param model: the SDK's query model.
    :param permission: the permission its routes require.
    :param metrics: the metrics the model allows.
    :param group_by: the dimensions it allows in ``groupBy``.
    :param default_metrics: the operator's metrics when none are given.
    :param default_group_by: the operator's ``groupBy`` when none is given.
    :param time_dimensions: its ``alternateTimeDimension`` values.
    :param schema_dims: the dimensions that are typed columns (None: every ``group_by`` dimension).
    """

    family: str
    dataset: str
    model: str
    permission: str
    metrics: tuple[str, ...]
    group_by: tuple[str, ...]
    default_metrics: tuple[str, ...]
    default_group_by: tuple[str, ...]
    time_dimensions: tuple[str, ...] = ("eventTime",)
    schema_dims: tuple[str, ...] | None = None

    def schema(self) -> DatasetSchema:
        """The typed rows (:func:`aggregate_rows`): a string column per dimension (``schema_dims``, default every
        groupBy dimension; others land in ``_extra``), ``interval``, ``metric``, ``qualifier``, ``stat``, ``value``."""
        dims = self.group_by if self.schema_dims is None else self.schema_dims
        return DatasetSchema(
            self.dataset, 1, columns(string(*dims, "interval", "metric", "qualifier", "stat"), float64("value"))
        )

    @property
    def query_path(self) -> str:
        return f"/api/v2/analytics/{self.family}/aggregates/query"

    @property
    def jobs_path(self) -> str:
        return f"/api/v2/analytics/{self.family}/aggregates/jobs"

    def body(
        self,
        metrics: Iterable[str] | None = None,
        group_by: Iterable[str] | None = None,
        *,
        granularity: str | None = None,
        filter: dict[str, Any] | None = None,
        time_zone: str | None = None,
        alternate_time_dimension: str | None = None,
    ) -> dict[str, Any]:
        """The query body (without ``interval``), checked against the family's model.

        :raises ConfigurationError: a metric, dimension or time dimension the family does not have (naming those
            it has).
        """
        chosen = list(self.default_metrics if metrics is None else metrics)
        dims = list(self.default_group_by if group_by is None else group_by)
        if not chosen:
            raise ConfigurationError("metrics", f"{self.family} aggregates need a metric, e.g. {list(self.metrics)}")
        if wrong := [name for name in chosen if name not in self.metrics]:
            raise ConfigurationError(
                "metrics", f"{self.family} aggregates have no metric {wrong}; use some of {list(self.metrics)}"
            )
        if wrong := [name for name in dims if name not in self.group_by]:
            raise ConfigurationError(
                "group_by", f"{self.family} aggregates cannot group by {wrong}; use some of {list(self.group_by)}"
            )
        if alternate_time_dimension and alternate_time_dimension not in self.time_dimensions:
            raise ConfigurationError(
                "alternate_time_dimension",
                f"{self.family} aggregates have no time dimension {alternate_time_dimension!r}; "
                f"use one of {list(self.time_dimensions)} or None",
            )
        body: dict[str, Any] = {"metrics": chosen}
        optional = {
            "groupBy": dims,
            "granularity": granularity,
            "filter": filter,
            "timeZone": time_zone,
            "alternateTimeDimension": alternate_time_dimension,
        }
        body.update({key: value for key, value in optional.items() if value})
        return body


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: the families, by path segment. Metrics, groupBy and time dimensions: the enums of the SDK models named in each
#: ``model`` (MyPureCloud/platform-client-sdk-java ``build/docs/*AggregationQuery.md``, v212-v264); permissions:
#: the ``Requires ANY permissions`` of each family's routes in the SDK's ``AnalyticsApi.md``. The defaults are ours.
AGGREGATE_FAMILIES: dict[str, AggregateFamily] = {
    family.family: family
    for family in (
        AggregateFamily(
            "conversations",
            "conversation_aggregates",
            "ConversationAggregationQuery",
            "analytics:conversationAggregate:view",
            _words(
                "nBlindTransferred nBotInteractions nCallbackAttempts nCallbackOverSla nCallbackScheduled nCfcOffered "
                "nCobrowseSessions nConnected nConsult nConsultTransferred nConversations nError nOffered nOutbound "
                "nOutboundAbandoned nOutboundAttempted nOutboundConnected nOverSla nStateTransitionError nTakeover "
                "nTransferred oAudioMessageCount oCallbackServiceLevel oExternalAudioMessageCount oExternalMediaCount "
                "oMediaCount oMessageCount oMessageSegmentCount oMessageTurn oServiceLevel oServiceTarget "
                "oSkillExpressionApplications tAbandon tAcd tActiveCallback tActiveCallbackComplete tAcw "
                "tAgentResponseTime tAgentVideoConnected tAlert tAnswered tAverageAgentResponseTime "
                "tAverageCustomerResponseTime tBarging tCallbackAbandon tCallbackConnect tCallbackNotReached "
                "tCallbackVirtualWait tCfcAbandon tCfcAcd tCfcAnswered tCfcFlowOut tCoaching tCoachingComplete "
                "tConnected tContacting tDialing tFirstConnect tFirstDial tFirstEngagement tFirstResponse tFlowOut "
                "tHandle tHeld tHeldComplete tIvr tMonitoring tMonitoringComplete tNotResponding tPark tParkComplete "
                "tScreenMonitoring tShortAbandon tSnippetRecord tTalk tTalkComplete tTransmitting tUserResponseTime "
                "tVoicemail tWait"
            ),
            _words(
                "activeRouting activeSkillId addressFrom addressTo agentAssistantId agentBullseyeRing agentOwned "
                "agentRank agentScore ani assignerId authenticated conversationId conversationInitiator convertedFrom "
                "convertedTo customerParticipation deliveryStatus destinationAddress direction disconnectType "
                "divisionId dnis edgeId eligibleAgentCount errorCode extendedDeliveryStatus externalContactId "
                "externalMediaCount externalOrganizationId externalTag firstQueue flaggedReason flowInType "
                "flowOutType groupId interactionType journeyActionId journeyActionMapId journeyActionMapVersion "
                "journeyCustomerId journeyCustomerIdType journeyCustomerSessionId journeyCustomerSessionIdType "
                "knowledgeBaseId mediaCount mediaType messageType originatingDirection originatingSocialMediaPublic "
                "outboundCampaignId outboundContactId outboundContactListId participantName peerId proposedAgentId "
                "provider purpose queueId remote removedSkillId requestedLanguageId requestedRouting "
                "requestedRoutingSkillId roomId routingPriority routingRing routingRule routingRuleType scoredAgentId "
                "selectedAgentId selectedAgentRank selfServed sessionDnis sessionId skillExpressionId stationId "
                "teamId usedRouting userId videoPresent waitingInteractionCount wrapUpCode"
            ),
            ("nOffered", "nConnected", "tHandle"),
            (),
        ),
        AggregateFamily(
            "users",
            "user_aggregates",
            "UserAggregationQuery",
            "analytics:userAggregate:view",
            ("tAgentRoutingStatus", "tOrganizationPresence", "tSystemPresence"),
            ("userId",),
            ("tAgentRoutingStatus", "tOrganizationPresence", "tSystemPresence"),
            ("userId",),
        ),
        AggregateFamily(
            "flows",
            "flow_aggregates",
            "FlowAggregationQuery",
            "analytics:flowAggregate:view",
            _words(
                "nFlow nFlowMilestone nFlowOutcome nFlowOutcomeFailed oFlowMilestone "
                "tFlow tFlowDisconnect tFlowExit tFlowOutcome"
            ),
            _words(
                "activeRouting activeSkillId addressFrom addressTo agentAssistantId agentBullseyeRing agentOwned "
                "agentRank agentScore ani assignerId authenticated conversationId conversationInitiator convertedFrom "
                "convertedTo customerParticipation deliveryStatus destinationAddress direction disconnectType "
                "divisionId dnis edgeId eligibleAgentCount endingLanguage entryReason entryType errorCode exitReason "
                "extendedDeliveryStatus externalContactId externalMediaCount externalOrganizationId externalTag "
                "firstQueue flaggedReason flowId flowInType flowMilestoneId flowName flowOutType flowOutcome "
                "flowOutcomeId flowOutcomeValue flowSubType flowType flowVersion groupId interactionType "
                "journeyActionId journeyActionMapId journeyActionMapVersion journeyCustomerId journeyCustomerIdType "
                "journeyCustomerSessionId journeyCustomerSessionIdType knowledgeBaseId mediaCount mediaType "
                "messageType originatingDirection outboundCampaignId outboundContactId outboundContactListId "
                "participantName peerId proposedAgentId provider purpose queueId recognitionFailureReason remote "
                "removedSkillId requestedLanguageId requestedRouting requestedRoutingSkillId roomId routingPriority "
                "routingRing routingRule routingRuleType scoredAgentId selectedAgentId selectedAgentRank selfServed "
                "sessionDnis sessionId skillExpressionId startingLanguage stationId teamId transferTargetAddress "
                "transferTargetName transferType usedRouting userId videoPresent waitingInteractionCount wrapUpCode"
            ),
            ("nFlow", "nFlowOutcome", "nFlowOutcomeFailed", "tFlow", "tFlowOutcome"),
            ("flowId", "flowOutcome", "exitReason"),
            schema_dims=_words(
                "flowId flowName flowType flowVersion flowOutcome flowOutcomeId flowOutcomeValue exitReason "
                "entryReason entryType disconnectType direction mediaType queueId divisionId dnis conversationId"
            ),
        ),
        AggregateFamily(
            "evaluations",
            "evaluation_aggregates",
            "EvaluationAggregationQuery",
            "analytics:evaluationAggregate:view",
            ("nEvaluations", "nEvaluationsDeleted", "nEvaluationsRescored", "oTotalCriticalScore", "oTotalScore"),
            _words(
                "assigneeApplicable assigneeId calibrationId contextId conversationId divisionId evaluationContextId "
                "evaluationId evaluatorId formId mediaType queueId released rescored systemSubmitted teamId userId"
            ),
            ("nEvaluations", "oTotalScore", "oTotalCriticalScore"),
            ("queueId", "userId", "formId"),
            ("conversationStart", "evaluationCreatedDate", "evaluationReleaseDate", "eventTime"),
        ),
        AggregateFamily(
            "surveys",
            "survey_aggregates",
            "SurveyAggregationQuery",
            "analytics:surveyAggregate:view",
            _words(
                "nSurveyErrors nSurveyFullResponses nSurveyNpsDetractors nSurveyNpsPromoters nSurveyNpsResponses "
                "nSurveyPartialResponses nSurveyQuestionGroupResponses nSurveyQuestionResponses nSurveyResponses "
                "nSurveysAbandoned nSurveysDeleted nSurveysExpired nSurveysSent nSurveysStarted nVoiceSurveys "
                "nWebSurveys oSurveyQuestionGroupScore oSurveyQuestionScore oSurveyTotalScore"
            ),
            _words(
                "conversationId divisionId externalContactId mediaType queueId requestedLanguageId "
                "requestedRoutingSkillId surveyAnswerId surveyErrorReason surveyFormContextId surveyFormId "
                "surveyFormName surveyId surveyPartialResponse surveyPreviousStatus surveyPromoterScore "
                "surveyQuestionGroupId surveyQuestionId surveyStatus surveyType teamId userId wrapUpCode"
            ),
            ("nSurveysSent", "nSurveyResponses", "nSurveyNpsPromoters", "nSurveyNpsDetractors", "oSurveyTotalScore"),
            ("queueId", "surveyFormId"),
            ("eventTime", "surveyCreatedDate"),
        ),
    )
}


def aggregate_family(family: str) -> AggregateFamily:
    """The declared family, or a ConfigurationError naming those there are."""
    found = AGGREGATE_FAMILIES.get(family)
    if found is None:
        raise ConfigurationError(
            "family", f"no Genesys aggregates family {family!r}; use one of {list(AGGREGATE_FAMILIES)}"
        )
    return found


def aggregate_rows(results: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Aggregate ``results`` groups flattened to one row per group x interval x metric (x qualifier) x stat:
    ``{**group, interval, metric, [qualifier,] stat, value}`` (``qualifier`` only where the answer has one)."""
    for result in results:
        group = result.get("group") or {}
        for bucket in result.get("data") or []:
            for metric in bucket.get("metrics") or []:
                qualifier = {"qualifier": metric["qualifier"]} if metric.get("qualifier") is not None else {}
                for stat, value in sorted((metric.get("stats") or {}).items()):
                    yield {
                        **group,
                        "interval": bucket.get("interval"),
                        "metric": metric.get("metric"),
                        **qualifier,
                        "stat": stat,
                        "value": value,
                    }


def row_start(row: dict[str, Any]) -> datetime:
    """The start of an aggregate row's ``interval`` (``start/end``): the partition it belongs to."""
    return parse_instant(str(row["interval"]).split("/", 1)[0], "interval")


#: the named operator of each family (README rows)
OPERATOR_NAMES = {
    "conversations": "GenesysConversationAggregatesOperator",
    "users": "GenesysUserAggregatesOperator",
    "flows": "GenesysFlowAggregatesOperator",
    "evaluations": "GenesysEvaluationAggregatesOperator",
    "surveys": "GenesysSurveyAggregatesOperator",
}


def aggregates_docs_table() -> str:
    """The README's aggregates table (Markdown), from the family declarations."""
    lines = [
        "| dataset | operator | query / jobs | permission | default metrics | default groupBy | time dimensions |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in AGGREGATE_FAMILIES.values():
        paths = f"`POST {f.query_path}` / `POST {f.jobs_path}`"
        metrics, dims = ", ".join(f"`{m}`" for m in f.default_metrics), ", ".join(f"`{d}`" for d in f.default_group_by)
        times = ", ".join(f"`{t}`" for t in f.time_dimensions)
        lines.append(
            f"| `{f.dataset}` | `{OPERATOR_NAMES[f.family]}` | {paths} | `{f.permission}` | {metrics} | {dims or '-'} "
            f"| {times} |"
        )
    return "\n".join(lines)
