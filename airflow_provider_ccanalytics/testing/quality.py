"""Evaluations, surveys and resolutions on the sandbox's Genesys conversation details.

Source: the official Genesys SDK's models (MyPureCloud/platform-client-sdk-python, ``build/docs/``):
``AnalyticsConversationWithoutAttributes`` carries ``evaluations`` (``AnalyticsEvaluation``), ``surveys``
(``AnalyticsSurvey``) and ``resolutions`` (``AnalyticsResolution``); the field names below are those models'
JSON names. Which conversations get them, the forms, statuses and scores are sandbox values (an evaluation
some days after the call, a survey within the hour, a resolution when the next-contact window closes).
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from airflow_provider_ccanalytics.testing.common import iso, parse_ts


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ids(kind: str, count: int) -> list[str]:
    return [_uuid(random.Random(f"{kind}{i}")) for i in range(count)]


#: sandbox evaluation forms: (formId, contextId, formName)
EVALUATION_FORMS = list(
    zip(_ids("evaluationform", 2), _ids("evaluationcontext", 2), ["Voice QA", "Digital QA"], strict=True)
)
#: sandbox survey forms: (surveyFormId, surveyFormContextId, surveyFormName)
SURVEY_FORMS = list(zip(_ids("surveyform", 1), _ids("surveycontext", 1), ["Post-call CSAT"], strict=True))
EVALUATORS = _ids("evaluator", 4)
DAY = 86_400.0


def conversation_quality(seed: int, index: int, facts: dict[str, Any], end: float) -> dict[str, list[dict[str, Any]]]:
    """The ``evaluations``, ``surveys`` and ``resolutions`` lists of conversation ``index`` (only those it has).

    Drawn from a generator of their own, so the conversation's other fields stay what they were.

    :param seed: the data seed.
    :param index: the conversation's position in start order.
    :param facts: the conversation's facts (``queueId``, ``userId``, ``abandoned``).
    :param end: when the conversation ended (epoch seconds).
    """
    if facts["abandoned"]:
        return {}
    rng = random.Random(f"{seed}:quality:{index}")
    out: dict[str, list[dict[str, Any]]] = {}
    agent = {"queueId": facts["queueId"], "userId": facts["userId"]}
    if rng.random() < 0.2:
        evaluations = []
        for _ in range(1 if rng.random() < 0.85 else 2):
            form_id, context_id, form_name = rng.choice(EVALUATION_FORMS)
            released = rng.random() < 0.7
            score = rng.randint(40, 100)
            evaluations.append(
                {
                    "evaluationId": _uuid(rng),
                    "evaluatorId": rng.choice(EVALUATORS),
                    "assigneeId": rng.choice(EVALUATORS),
                    "assigneeApplicable": True,
                    "contextId": context_id,
                    "formId": form_id,
                    "formName": form_name,
                    "evaluationStatus": "Finished" if released else "InProgress",
                    "eventTime": iso(end + rng.uniform(1, 10) * DAY),
                    "released": released,
                    "rescored": released and rng.random() < 0.1,
                    "deleted": False,
                    "systemSubmitted": False,
                    **agent,
                    "oTotalScore": score,
                    "oTotalCriticalScore": min(100, score + rng.randint(0, 20)),
                }
            )
        out["evaluations"] = evaluations
    if rng.random() < 0.15:
        form_id, context_id, form_name = SURVEY_FORMS[0]
        completed = rng.random() < 0.6
        sent = end + rng.uniform(60, 3600)
        survey: dict[str, Any] = {
            "surveyId": _uuid(rng),
            "surveyFormId": form_id,
            "surveyFormName": form_name,
            "surveyFormContextId": context_id,
            "eventTime": iso(sent),
            **agent,
            "surveyStatus": "Finished" if completed else "Pending",
        }
        if completed:
            survey["surveyPromoterScore"] = rng.randint(0, 10)
            survey["surveyCompletedDate"] = iso(sent + rng.uniform(60, 7200))
            survey["oSurveyTotalScore"] = rng.randint(0, 100)
        out["surveys"] = [survey]
    if rng.random() < 0.3:
        out["resolutions"] = [{"eventTime": iso(end + 3 * DAY), **agent, "nNextContactAvoided": 1}]
    return out


def search_item(conversation: dict[str, Any], evaluation: dict[str, Any]) -> dict[str, Any]:
    """One evaluation as ``POST /api/v2/quality/evaluations/search`` answers it (``EvaluationSearchItemResponse``:
    ``id``, ``conversation``, ``evaluationForm``, ``evaluator``, ``agent``, ``assignee``, ``queue``, ``status``,
    ``answers`` (``EvaluationScoringSet``), ``createdDate``, ``submittedDate``, ``releaseDate``, ``changedDate``,
    ``rescore``, ``conversationDate``, ``conversationEndDate``, ``mediaType``, ``divisionIds``...).

    Sandbox values: created some hours before the analytics ``eventTime``, submitted at it, released some hours
    later; a rescored one is submitted again days after its release. ``changedDate`` is the latest of them.

    :param conversation: the final conversation details record holding ``evaluation``.
    :param evaluation: one of its ``evaluations`` (``AnalyticsEvaluation``).
    """
    rng = random.Random(evaluation["evaluationId"])
    event = parse_ts(evaluation["eventTime"])
    created = event - rng.uniform(1, 8) * 3600
    finished = evaluation["evaluationStatus"] == "Finished"
    dates: dict[str, float] = {"createdDate": created}
    if finished:
        dates["submittedDate"] = event
    if evaluation["released"]:
        dates["releaseDate"] = event + rng.uniform(1, 30) * 3600
    if evaluation["rescored"]:
        dates["submittedDate"] = dates["releaseDate"] + rng.uniform(1, 5) * DAY
    agent = conversation["participants"][-1]
    media = sorted({session["mediaType"] for session in agent["sessions"]})
    item: dict[str, Any] = {
        "id": evaluation["evaluationId"],
        "conversation": {"id": conversation["conversationId"]},
        "evaluationForm": {
            "id": evaluation["formId"],
            "name": evaluation["formName"],
            "contextId": evaluation["contextId"],
        },
        "evaluator": {"id": evaluation["evaluatorId"]},
        "agent": {"id": evaluation["userId"]},
        "assignee": {"id": evaluation["assigneeId"]},
        "assigneeApplicable": evaluation["assigneeApplicable"],
        "queue": {"id": evaluation["queueId"]},
        "status": "FINISHED" if finished else "INPROGRESS",
        "answers": {
            "totalScore": float(evaluation["oTotalScore"]),
            "totalCriticalScore": float(evaluation["oTotalCriticalScore"]),
        },
        **{name: iso(value) for name, value in dates.items()},
        "changedDate": iso(max(dates.values())),
        "rescore": evaluation["rescored"],
        "conversationDate": conversation["conversationStart"],
        "conversationEndDate": conversation["conversationEnd"],
        "mediaType": [name.upper() for name in media],
        "divisionIds": conversation["divisionIds"],
        "selfUri": f"/api/v2/quality/conversations/{conversation['conversationId']}/evaluations/"
        f"{evaluation['evaluationId']}",
    }
    return item
