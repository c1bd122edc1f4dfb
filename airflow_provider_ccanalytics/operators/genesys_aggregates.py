"""Genesys Cloud analytics aggregates: conversations, users, flows, evaluations and surveys, by query or by job.

One operator, :class:`GenesysAggregatesOperator`, parameterised by the family (declared in
:mod:`airflow_provider_ccanalytics.core.genesys.aggregates`: metrics and groupBy dimensions allowed, defaults), with
a named subclass per family. ``mode="query"`` (default) sends one synchronous ``aggregates/query`` per partition;
``mode="job"`` submits one ``aggregates/jobs`` job for the run (lookback included), waits for it (deferred when
``deferrable``; a retry reattaches to it, see :mod:`.resume`) and pages its results by cursor. Rows: one per
group x interval x metric x stat (``{<groupBy dims>, interval, metric, [qualifier,] stat, value}``); with an
output, each row goes to the partition holding its interval's start.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from airflow_provider_ccanalytics.core.datasets import JobType
from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.genesys import (
    GENESYS_AGGREGATE_JOBS,
    GENESYS_USER_JOBS,
    AggregateFamily,
    aggregate_family,
    row_start,
)
from airflow_provider_ccanalytics.core.partitions import PartitionPlan, PartitionStatus, Window
from airflow_provider_ccanalytics.operators.base import AnalyticsOperator, default_deferrable, seconds
from airflow_provider_ccanalytics.operators.genesys import _GenesysOperator
from airflow_provider_ccanalytics.operators.jobs import JobOperatorMixin
from airflow_provider_ccanalytics.operators.partitions import current_context
from airflow_provider_ccanalytics.operators.spool import PartitionSpool

#: a job's buckets default to the partition grain, so each bucket is in one partition
GRAIN_GRANULARITY = {"day": "P1D", "hour": "PT1H"}


class GenesysAggregatesOperator(JobOperatorMixin, _GenesysOperator):
    """Aggregates of one Genesys family over the window, as flat rows (or the raw ``results`` with ``raw=True``).

    :param family: ``conversations``, ``users``, ``flows``, ``evaluations`` or ``surveys`` (the named subclasses
        set it).
    :param metrics: metric names (templated; default: the family's defaults, see the README). A metric the family
        does not have is a ConfigurationError naming those it has.
    :param group_by: groupBy dimensions (templated; default: the family's defaults; ``[]``: no grouping).
    :param granularity: ISO-8601 duration of each bucket, e.g. ``PT30M`` (templated; default: one bucket per query,
        in job mode one per partition grain).
    :param filter: a Genesys aggregate filter (templated).
    :param time_zone: the time zone for bucket boundaries, e.g. ``Europe/Dublin``.
    :param alternate_time_dimension: the time the data is bucketed by, e.g. ``evaluationReleaseDate``
        (evaluations), ``surveyCreatedDate`` (surveys) (templated; default: the vendor's).
    :param raw: return the vendor's raw ``results`` groups instead of rows (query mode, XCom only).
    :param mode: ``query`` (synchronous, one request per partition) or ``job`` (one asynchronous job per run).
    :param deferrable: in job mode, wait in the triggerer (default: ``[operators] default_deferrable``).
    :param poll_interval: in job mode, seconds between job status checks.
    :param job_timeout: in job mode, seconds to wait for the job.
    """

    template_fields: Sequence[str] = (
        *AnalyticsOperator.template_fields,
        "metrics",
        "granularity",
        "group_by",
        "filter",
        "alternate_time_dimension",
    )
    template_fields_renderers = {"filter": "json"}
    family = "conversations"
    dataset = "conversation_aggregates"

    def __init__(
        self,
        *,
        family: str | None = None,
        metrics: list[str] | None = None,
        group_by: list[str] | None = None,
        granularity: str | None = None,
        filter: dict[str, Any] | None = None,
        time_zone: str | None = None,
        alternate_time_dimension: str | None = None,
        raw: bool = False,
        mode: str = "query",
        deferrable: bool = default_deferrable(),
        poll_interval: timedelta | float = 30.0,
        job_timeout: timedelta | float | None = 6 * 3600,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        declared = aggregate_family(family or self.family)
        self.family, self.dataset = declared.family, declared.dataset
        self.job_type: JobType = GENESYS_AGGREGATE_JOBS[declared.family]
        if declared.family == "users":
            self.watermark_jobs = GENESYS_USER_JOBS
        if mode not in ("query", "job"):
            raise ConfigurationError("mode", f"mode is 'query' or 'job', not {mode!r}")
        if raw and mode == "job":
            raise ConfigurationError("raw", "raw results come from the query only: use mode='query', or raw=False")
        self.metrics, self.group_by, self.granularity = metrics, group_by, granularity
        self.filter, self.time_zone, self.alternate_time_dimension = filter, time_zone, alternate_time_dimension
        self.raw, self.mode, self.deferrable = raw, mode, deferrable
        self.poll_interval = seconds(poll_interval)
        self.job_timeout = None if job_timeout is None else seconds(job_timeout)
        if not any(isinstance(value, str) for value in (metrics, group_by)):  # not templates: check them now
            self.body()

    @property
    def declaration(self) -> AggregateFamily:
        return aggregate_family(self.family)

    def body(self, granularity: str | None = None) -> dict[str, Any]:
        """The query body (without ``interval``), checked against the family's declaration."""
        return self.declaration.body(
            self.metrics,
            self.group_by,
            granularity=granularity or self.granularity,
            filter=self.filter,
            time_zone=self.time_zone,
            alternate_time_dimension=self.alternate_time_dimension,
        )

    def execute(self, context: Any) -> Any:
        window = self.window(context)
        if self.mode == "job":
            span = window
            if self.destination not in (None, ""):  # one job covers the lookback partitions too
                span = PartitionPlan.of(window, self.grain, self.lookback_for(context)).span
            return self.start_job(window, job_window=span, body=self._job_body())
        body, client = self.body(), self.hook.client
        read = client.query_aggregates if self.raw else client.iter_aggregate_rows

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            return [partial(read, unit, body, self.family)]

        return self.deliver(window, sources, {"endpoint": f"{self.family}/aggregates/query", **body})

    def _job_body(self) -> dict[str, Any]:
        writes = self.destination not in (None, "")
        return self.body(GRAIN_GRANULARITY.get(self.grain) if writes and not self.granularity else None)

    def collect(self, window: Window) -> Any:
        """Page the finished job's rows into the output: each row to the partition of its interval's start."""
        job_id = self.job_id
        assert job_id is not None
        client = self.hook.client
        query = {"endpoint": f"{self.family}/aggregates/jobs", "job_id": job_id, **self._job_body()}
        if self.destination in (None, ""):
            return self.deliver(window, [lambda: self.job_type.results(client, job_id, window)], query)
        plan = PartitionPlan.of(window, self.grain, self.lookback_for(current_context()))
        spool = PartitionSpool(plan.all, row_start)

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            if not spool.filled:  # the job's results are paged once, for every partition of the run
                spool.fill(self.job_type.results(client, job_id, plan.span))
                rows = sum(spool.counts.values())
                self.log.info("Job %s: %d aggregate rows in %d partitions", job_id, rows, len(plan.all))
            return [spool.source(unit)]

        return self.deliver(window, sources, query)

    def estimated_requests(self, plan: PartitionPlan) -> int:
        return 3 if self.mode == "job" else len(plan.all)  # a job: create, status, a results page at least


class GenesysConversationAggregatesOperator(GenesysAggregatesOperator):
    """Conversation aggregates (``/api/v2/analytics/conversations/aggregates/...``; there is no 'summary' endpoint):
    ``nOffered``, ``nConnected``, ``tHandle``... by ``queueId``, ``mediaType``... Parameters: see
    :class:`GenesysAggregatesOperator`."""

    family, dataset = "conversations", "conversation_aggregates"


class GenesysUserAggregatesOperator(GenesysAggregatesOperator):
    """Agent time in each routing status and presence (``tAgentRoutingStatus``, ``tOrganizationPresence``,
    ``tSystemPresence``; the status in each row's ``qualifier``) by ``userId``. Parameters: see
    :class:`GenesysAggregatesOperator`."""

    family, dataset = "users", "user_aggregates"


class GenesysFlowAggregatesOperator(GenesysAggregatesOperator):
    """Architect flow aggregates, IVR containment (``nFlow``, ``nFlowOutcome``, ``nFlowOutcomeFailed``, ``tFlow``,
    ``tFlowOutcome``) by ``flowId``, ``flowOutcome``, ``exitReason``. Parameters: see
    :class:`GenesysAggregatesOperator`."""

    family, dataset = "flows", "flow_aggregates"


class GenesysEvaluationAggregatesOperator(GenesysAggregatesOperator):
    """Quality evaluation aggregates (``nEvaluations``, ``oTotalScore``, ``oTotalCriticalScore``) by ``queueId``,
    ``userId``, ``formId``; ``alternate_time_dimension``: ``evaluationCreatedDate``, ``evaluationReleaseDate``,
    ``conversationStart``. Parameters: see :class:`GenesysAggregatesOperator`."""

    family, dataset = "evaluations", "evaluation_aggregates"


class GenesysSurveyAggregatesOperator(GenesysAggregatesOperator):
    """Survey aggregates (``nSurveysSent``, ``nSurveyResponses``, NPS promoters and detractors,
    ``oSurveyTotalScore``) by ``queueId``, ``surveyFormId``; ``alternate_time_dimension``: ``surveyCreatedDate``.
    Parameters: see :class:`GenesysAggregatesOperator`."""

    family, dataset = "surveys", "survey_aggregates"
