"""Genesys Cloud analytics aggregates of every family: ``{family}/aggregates/query`` for users, flows, evaluations and
surveys (conversations: :mod:`.genesys_analytics`), and ``{family}/aggregates/jobs`` for all five.

Sources: the official Genesys SDK (MyPureCloud/platform-client-sdk-python ``build/docs/AnalyticsApi.md`` and the
models; the enums from platform-client-sdk-java ``build/docs``): ``UserAggregationQuery``, ``FlowAggregationQuery``,
``EvaluationAggregationQuery`` (``alternateTimeDimension`` ``conversationStart``, ``evaluationCreatedDate``,
``evaluationReleaseDate``, ``eventTime``), ``SurveyAggregationQuery`` (``eventTime``, ``surveyCreatedDate``): body
``interval``, ``granularity``, ``groupBy``, ``metrics`` (required), ``filter``, ``timeZone``; answers
``...AggregateQueryResponse`` ``{"results": [...]}``. Jobs: ``...AsyncAggregationQuery`` (the same plus
``pageSize``) answers ``AsyncQueryResponse`` ``{"jobId"}``; ``GET .../jobs/{jobId}`` ``AsyncQueryStatus`` (the
details jobs' states); ``GET .../jobs/{jobId}/results?cursor=`` ``...AsyncAggregateQueryResponse``
``{"results", "cursor"}`` (no cursor on the last page); ``DELETE`` cancels.
GUESS: the sandbox refuses metrics and dimensions it does not model (a 400 like Genesys' for an unknown enum value),
which are fewer than the vendor's; job results page by result group, 100 groups a page unless ``pageSize`` says.
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

from airflow_provider_ccanalytics.testing.aggregates import FAMILY_FACTS, Fact, aggregate
from airflow_provider_ccanalytics.testing.data import parse_duration
from airflow_provider_ccanalytics.testing.sandbox.genesys_jobs import GenesysJobsMixin, _Job
from airflow_provider_ccanalytics.testing.sandbox.problems import genesys_problem, json_body

#: what the sandbox models of each family: (metrics, groupBy dimensions, alternateTimeDimension values)
MODELLED: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
    "conversations": (
        frozenset({"nOffered", "nConnected", "tAnswered", "tTalk", "tAcw", "tHandle", "tAbandon"}),
        frozenset({"queueId", "mediaType", "userId", "direction"}),
        frozenset({"eventTime"}),
    ),
    "users": (
        frozenset({"tAgentRoutingStatus", "tOrganizationPresence", "tSystemPresence"}),
        frozenset({"userId"}),
        frozenset({"eventTime"}),
    ),
    "flows": (
        frozenset(
            {"nFlow", "nFlowOutcome", "nFlowOutcomeFailed", "tFlow", "tFlowDisconnect", "tFlowExit", "tFlowOutcome"}
        ),
        frozenset(
            {"flowId", "flowName", "flowType", "exitReason", "flowOutcome", "flowOutcomeId", "flowOutcomeValue"}
            | {"queueId", "mediaType", "direction", "conversationId"}
        ),
        frozenset({"eventTime"}),
    ),
    "evaluations": (
        frozenset({"nEvaluations", "nEvaluationsRescored", "oTotalScore", "oTotalCriticalScore"}),
        frozenset({"userId", "queueId", "evaluatorId", "assigneeId", "formId", "contextId", "evaluationId"})
        | frozenset({"released", "rescored", "mediaType", "conversationId"}),
        frozenset({"eventTime", "conversationStart", "evaluationCreatedDate", "evaluationReleaseDate"}),
    ),
    "surveys": (
        frozenset({"nSurveysSent", "nSurveyResponses", "nSurveyFullResponses", "nSurveyNpsResponses"})
        | frozenset({"nSurveyNpsPromoters", "nSurveyNpsDetractors", "oSurveyTotalScore"}),
        frozenset({"userId", "queueId", "surveyId", "surveyFormId", "surveyFormContextId", "surveyFormName"})
        | frozenset({"surveyStatus", "surveyPromoterScore", "mediaType", "conversationId"}),
        frozenset({"eventTime", "surveyCreatedDate"}),
    ),
}
_PATH = re.compile(r"/api/v2/analytics/(conversations|users|flows|evaluations|surveys)/aggregates/(query|jobs)(.*)")


class GenesysAggregatesMixin(GenesysJobsMixin):
    """The aggregates routes of every family, and their jobs (kept with the details jobs, ``kind`` ``agg:...``)."""

    _aggregate_facts: dict[str, list[Fact]]

    def _aggregates_route(
        self, method: str, path: str, query: dict[str, str], body: bytes
    ) -> tuple[str, int, dict[str, str], Any] | None:
        """Answer an aggregates request, or None when ``path`` is not one (conversations' query is not handled here)."""
        match = _PATH.fullmatch(path)
        if match is None:
            return None
        family, kind, rest = match.groups()
        if kind == "query" and method == "POST" and not rest and family != "conversations":
            return (
                f"genesys {family} aggregates/query",
                200,
                {},
                {"results": self._aggregate_results(family, json_body(body))},
            )
        if kind != "jobs":
            return None
        label = f"genesys {family} aggregates jobs"
        if not rest and method == "POST":
            request = json_body(body)
            self._aggregate_results(family, request)  # refused as the query would be, before a job exists
            start, end = self._interval(request, capped=False)
            new = _Job(str(uuid.uuid4()), start, end, self.clock(), self.config.job_seconds, query=request)
            new.kind, new.availability = f"agg:{family}", self._availability("conversations")
            with self._lock:
                if self._next_job_outcome:
                    new.outcome = self._next_job_outcome.pop(0)
                self._jobs[new.job_id] = new
            return f"{label} create", 202, {}, {"jobId": new.job_id}
        found = re.fullmatch(r"/([^/]+)(/results)?", rest)
        if found is None:
            return None
        with self._lock:
            job = self._jobs.get(found.group(1))
        if job is None or job.kind != f"agg:{family}":
            raise genesys_problem(404, f"Job {found.group(1)} not found", "not.found")
        if found.group(2) and method == "GET":
            return f"{label} results", 200, {}, self._aggregate_job_page(family, job, query)
        if not found.group(2) and method == "GET":
            return f"{label} status", 200, {}, self._job_status(job)
        if not found.group(2) and method == "DELETE":
            with self._lock:
                job.cancelled = True
            return f"{label} delete", 202, {}, b""
        return None

    def _aggregate_results(self, family: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The family's ``results`` for a query body, refused as Genesys refuses a bad one."""
        start, end = self._interval(body, capped=False)
        metrics, group_by = body.get("metrics"), list(body.get("groupBy") or [])
        if not isinstance(metrics, list) or not metrics:
            raise genesys_problem(400, "metrics is required", "missing.required.property")
        known_metrics, known_dims, known_times = MODELLED[family]
        if unknown := sorted(set(metrics) - known_metrics):
            raise genesys_problem(400, f"Invalid metrics for {family}: {unknown}", "invalid.value")
        if unknown := sorted(set(group_by) - known_dims):
            raise genesys_problem(400, f"Unsupported groupBy: {unknown}", "invalid.value")
        time_dimension = body.get("alternateTimeDimension") or "eventTime"
        if time_dimension not in known_times:
            raise genesys_problem(400, f"Invalid alternateTimeDimension: {time_dimension}", "invalid.value")
        step = None
        if body.get("granularity"):
            try:
                step = parse_duration(body["granularity"])
            except ValueError:
                raise genesys_problem(400, f"Invalid granularity: {body['granularity']}", "invalid.value") from None
        if family == "conversations":
            return self.data.aggregates(start, end, body.get("granularity"), group_by, list(metrics))
        with self._lock:
            if not hasattr(self, "_aggregate_facts"):
                self._aggregate_facts = {}
            if family not in self._aggregate_facts:
                self._aggregate_facts[family] = FAMILY_FACTS[family](self.data)
            facts = self._aggregate_facts[family]
        return aggregate(facts, start, end, step, group_by, list(metrics), time_dimension)

    def _aggregate_job_page(self, family: str, job: _Job, query: dict[str, str]) -> dict[str, Any]:
        offset = self._results_offset(job, query)
        size = int(job.query.get("pageSize") or 100)
        results = self._aggregate_results(family, job.query)
        answer: dict[str, Any] = {"results": results[offset : offset + size]}
        if offset + size < len(results):
            answer["cursor"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        return answer
