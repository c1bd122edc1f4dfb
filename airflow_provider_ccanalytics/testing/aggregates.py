"""Ground truth of the Genesys aggregates families the sandbox answers: users, flows, evaluations, surveys.

Derived from the sandbox's own data: users from the presence and routing intervals of :mod:`.activity`, flows
from a small generator per conversation (an inbound voice call enters an IVR flow), evaluations and surveys from
the conversations' own ``evaluations`` and ``surveys`` (:mod:`.quality`, dates from :func:`.quality.search_item`).

Answer shape (SDK ``...AggregateQueryResponse``): ``results[]`` of ``{"group": {dim: str}, "data": [{"interval",
"metrics": [{"metric", ["qualifier",] "stats"}]}]}``; group values are strings (the SDK's ``group`` is a map of
strings). Sandbox values, GUESS where Genesys documents nothing: each fact counts whole in the bucket holding its
time (Genesys splits interval durations across buckets for users); a count metric's stats are ``{"count"}``, a time
or observation metric's ``{"max", "min", "count", "sum"}``; an evaluation without ``alternateTimeDimension`` counts
at its ``eventTime``, a survey at its completion (else its sending), ``surveyCreatedDate`` is when it was sent.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

from airflow_provider_ccanalytics.testing import dimensions
from airflow_provider_ccanalytics.testing.activity import ON_QUEUE_PRESENCE_ID, UserActivity
from airflow_provider_ccanalytics.testing.common import iso, parse_ts
from airflow_provider_ccanalytics.testing.quality import conversation_quality, search_item

#: sandbox flow outcomes: (flowOutcomeId, flowOutcome name)
FLOW_OUTCOMES = [
    (str(uuid.UUID(int=random.Random(f"flowoutcome{i}").getrandbits(128), version=4)), name)
    for i, name in enumerate(["SelfServicePayment", "BalanceEnquiry"])
]


@dataclass
class Fact:
    """One thing that happened: its times (by time dimension), its dimensions, its metric values.

    :param times: ``{"eventTime": epoch, ...}`` (a missing dimension: not counted under it).
    :param dims: groupBy dimension values (strings).
    :param metrics: ``(metric, qualifier or None, value)``.
    """

    times: dict[str, float]
    dims: dict[str, str]
    metrics: list[tuple[str, str | None, float]] = field(default_factory=list)


class Source(Protocol):
    """What the facts are read from (:class:`~.data.Dataset` has it)."""

    conv_starts: list[float]
    conv_seconds: list[float]

    @property
    def spec(self) -> Any: ...

    @property
    def activity(self) -> UserActivity: ...

    def _facts(self, index: int) -> dict[str, Any]: ...

    def conversation(self, index: int, as_of: float | None = None) -> dict[str, Any]: ...


def user_facts(data: Source) -> list[Fact]:
    """A fact per presence interval (``tSystemPresence`` and ``tOrganizationPresence``) and per routing-status
    interval (``tAgentRoutingStatus``), the status as the metric's ``qualifier``, the duration in ms."""
    facts = []
    activity = data.activity
    for user in sorted(dimensions.USER_IDS):
        for begin, end in activity.presence[user]:
            ms = float(round((end - begin) * 1000))
            facts.append(
                Fact(
                    {"eventTime": begin},
                    {"userId": user},
                    [("tSystemPresence", "ON_QUEUE", ms), ("tOrganizationPresence", ON_QUEUE_PRESENCE_ID, ms)],
                )
            )
        for begin, end, status in activity.routing[user]:
            ms = float(round((end - begin) * 1000))
            facts.append(Fact({"eventTime": begin}, {"userId": user}, [("tAgentRoutingStatus", status, ms)]))
    return facts


def flow_facts(data: Source) -> list[Fact]:
    """A fact per inbound voice conversation: its IVR flow, how it left it, and its outcome, if any."""
    facts = []
    for index, start in enumerate(data.conv_starts):
        conversation = data._facts(index)
        if conversation["direction"] != "inbound" or conversation["mediaType"] != "voice":
            continue
        rng = random.Random(f"{data.spec.seed}:flow:{index}")
        flow_id, flow_name = dimensions.FLOWS[0 if rng.random() < 0.8 else rng.randint(1, 2)]
        ms = float(int(rng.uniform(10, 120) * 1000))
        contained = not conversation["abandoned"] and rng.random() < 0.25
        exit_reason = "DISCONNECT" if conversation["abandoned"] else "FLOW_DISCONNECT" if contained else "TRANSFER"
        dims = {
            "flowId": flow_id,
            "flowName": flow_name,
            "flowType": "INBOUNDCALL",
            "exitReason": exit_reason,
            "queueId": conversation["queueId"],
            "mediaType": "voice",
            "direction": "inbound",
            "conversationId": conversation["id"],
        }
        metrics: list[tuple[str, str | None, float]] = [("nFlow", None, 1), ("tFlow", None, ms)]
        metrics.append(("tFlowExit" if exit_reason == "TRANSFER" else "tFlowDisconnect", None, ms))
        if rng.random() < 0.6:
            outcome_id, outcome = rng.choice(FLOW_OUTCOMES)
            failed = rng.random() < 0.3
            dims.update(
                flowOutcomeId=outcome_id, flowOutcome=outcome, flowOutcomeValue="FAILURE" if failed else "SUCCESS"
            )
            metrics += [("nFlowOutcome", None, 1), ("tFlowOutcome", None, float(int(ms * rng.uniform(0.2, 0.9))))]
            if failed:
                metrics.append(("nFlowOutcomeFailed", None, 1))
        facts.append(Fact({"eventTime": start}, dims, metrics))
    return facts


def _quality(data: Source) -> list[tuple[int, dict[str, Any], dict[str, list[dict[str, Any]]]]]:
    out = []
    for index, start in enumerate(data.conv_starts):
        conversation = data._facts(index)
        lists = conversation_quality(data.spec.seed, index, conversation, start + data.conv_seconds[index])
        if lists.get("evaluations") or lists.get("surveys"):
            out.append((index, conversation, lists))
    return out


def evaluation_facts(data: Source) -> list[Fact]:
    """A fact per evaluation of the conversations, at its event, its conversation's start, its creation and (when
    released) its release."""
    facts = []
    for index, conversation, lists in _quality(data):
        if not lists.get("evaluations"):
            continue
        record = data.conversation(index)
        for evaluation in lists["evaluations"]:
            item = search_item(record, evaluation)
            times = {
                "eventTime": parse_ts(evaluation["eventTime"]),
                "conversationStart": data.conv_starts[index],
                "evaluationCreatedDate": parse_ts(item["createdDate"]),
            }
            if item.get("releaseDate"):
                times["evaluationReleaseDate"] = parse_ts(item["releaseDate"])
            dims = {
                name: str(evaluation[name])
                for name in ("userId", "queueId", "evaluatorId", "assigneeId", "formId", "contextId", "evaluationId")
            }
            dims.update(
                released=str(evaluation["released"]).lower(),
                rescored=str(evaluation["rescored"]).lower(),
                mediaType=conversation["mediaType"],
                conversationId=conversation["id"],
            )
            metrics: list[tuple[str, str | None, float]] = [
                ("nEvaluations", None, 1),
                ("oTotalScore", None, evaluation["oTotalScore"]),
                ("oTotalCriticalScore", None, evaluation["oTotalCriticalScore"]),
            ]
            if evaluation["rescored"]:
                metrics.append(("nEvaluationsRescored", None, 1))
            facts.append(Fact(times, dims, metrics))
    return facts


def survey_facts(data: Source) -> list[Fact]:
    """A fact per survey of the conversations: sent; answered (with its NPS and total score) when completed."""
    facts = []
    for _index, conversation, lists in _quality(data):
        for survey in lists.get("surveys") or []:
            sent = parse_ts(survey["eventTime"])
            completed = survey.get("surveyCompletedDate")
            dims = {
                name: str(survey[name])
                for name in ("userId", "queueId", "surveyId", "surveyFormId", "surveyFormContextId", "surveyFormName")
            }
            dims.update(surveyStatus=survey["surveyStatus"], mediaType=conversation["mediaType"])
            dims["conversationId"] = conversation["id"]
            metrics: list[tuple[str, str | None, float]] = [("nSurveysSent", None, 1)]
            if completed:
                score = survey["surveyPromoterScore"]
                dims["surveyPromoterScore"] = str(score)
                metrics += [("nSurveyResponses", None, 1), ("nSurveyFullResponses", None, 1)]
                metrics += [("nSurveyNpsResponses", None, 1), ("oSurveyTotalScore", None, survey["oSurveyTotalScore"])]
                if score >= 9:
                    metrics.append(("nSurveyNpsPromoters", None, 1))
                if score <= 6:
                    metrics.append(("nSurveyNpsDetractors", None, 1))
            times = {"eventTime": parse_ts(completed) if completed else sent, "surveyCreatedDate": sent}
            facts.append(Fact(times, dims, metrics))
    return facts


#: the facts of each family the sandbox models
FAMILY_FACTS = {"users": user_facts, "flows": flow_facts, "evaluations": evaluation_facts, "surveys": survey_facts}


def aggregate(
    facts: list[Fact],
    start: float,
    end: float,
    step: float | None,
    group_by: list[str],
    metrics: list[str],
    time_dimension: str = "eventTime",
) -> list[dict[str, Any]]:
    """The aggregate ``results`` of ``facts`` whose ``time_dimension`` is in [start, end), in buckets of ``step``
    seconds (None: one bucket), grouped by ``group_by`` (a fact without a dimension groups under its absence)."""
    step = step or end - start
    cells: dict[tuple[str, ...], dict[int, dict[tuple[str, str], list[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    wanted = set(metrics)
    for fact in facts:
        moment = fact.times.get(time_dimension)
        if moment is None or not start <= moment < end:
            continue
        key = tuple(fact.dims.get(name, "\0") for name in group_by)
        bucket = int((moment - start) // step)
        for name, qualifier, value in fact.metrics:
            if name in wanted:
                cells[key][bucket][(name, qualifier or "")].append(value)
    order = {name: position for position, name in enumerate(metrics)}
    results = []
    for key in sorted(cells):
        data = []
        for bucket in sorted(cells[key]):
            low = start + bucket * step
            entries = []
            for (name, qualifier), values in sorted(
                cells[key][bucket].items(), key=lambda kv: (order[kv[0][0]], kv[0][1])
            ):
                stats = (
                    {"count": int(sum(values))}
                    if name.startswith("n")
                    else {"max": max(values), "min": min(values), "count": len(values), "sum": sum(values)}
                )
                entries.append({"metric": name, **({"qualifier": qualifier} if qualifier else {}), "stats": stats})
            data.append({"interval": f"{iso(low)}/{iso(min(low + step, end))}", "metrics": entries})
        group = {name: value for name, value in zip(group_by, key, strict=True) if value != "\0"}
        results.append({"group": group, "data": data})
    return results
