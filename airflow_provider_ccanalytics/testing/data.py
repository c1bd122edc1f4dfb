"""Deterministic contact-centre data for the sandbox, with the ground truth tests compare to.

Everything follows from (seed, size, time range): the same arguments give the same
conversation ids, contacts and metrics in every process. The data is split by concern: :mod:`.spec`
(:class:`DataSpec`), :mod:`.conversations` (Genesys conversation details), :mod:`.conversation_aggregates` (their
aggregates' ground truth), :mod:`.contacts` (CXone completed contacts), :mod:`.late` (data that changes after the
fact). ``iso``, ``parse_ts``, ``parse_duration``, ``CONVERSATION_MAX_SECONDS`` and ``CONTACT_FIELDS`` are still
importable here.

Sources: the records have the vendors' shapes: Genesys conversation details and aggregates as the official
Genesys SDK models them (``AnalyticsConversationQueryResponse``: conversations with participants, sessions,
segments, metrics, and evaluations, surveys, resolutions (:mod:`.quality`);
``ConversationAggregateQueryResponse``: ``results[].data[].metrics[].stats``); CXone
completed contacts with the field names of NICE's v34 API (older ``contactStart``/``mediaTypeName``, or the
published spec's ``contactStartDate``/``mediaTypeId``: :meth:`Dataset.contact_as`). Values are sandbox values.
"""

from __future__ import annotations

import math
import random
from functools import cached_property, lru_cache
from typing import Any

from airflow_provider_ccanalytics.testing import dimensions
from airflow_provider_ccanalytics.testing.activity import UserActivity, cxone_agent_states, cxone_summary
from airflow_provider_ccanalytics.testing.common import CONVERSATION_MAX_SECONDS, iso, parse_ts
from airflow_provider_ccanalytics.testing.contacts import CONTACT_FIELDS, DEFAULT_SETTLE_SECONDS, ContactsMixin
from airflow_provider_ccanalytics.testing.conversation_aggregates import conversation_aggregates, parse_duration
from airflow_provider_ccanalytics.testing.conversations import ConversationsMixin
from airflow_provider_ccanalytics.testing.quality import search_item
from airflow_provider_ccanalytics.testing.spec import DataSpec

__all__ = [
    "CONTACT_FIELDS",
    "CONVERSATION_MAX_SECONDS",
    "DataSpec",
    "Dataset",
    "iso",
    "parse_duration",
    "parse_ts",
]


def _ms(ts: float) -> float:
    return math.floor(ts * 1000) / 1000


class Dataset(ConversationsMixin, ContactsMixin):
    """Conversations and contacts, generated lazily per record from the spec."""

    def __init__(self, spec: DataSpec, settle_seconds: float = DEFAULT_SETTLE_SECONDS) -> None:
        """:param spec: what to generate.
        :param settle_seconds: CXone: seconds after its end until a contact is visible, for contacts the spec gives
            no settle range (the sandbox passes its ``SandboxConfig.settle_seconds``)."""
        self.spec = spec
        self.settle_seconds = settle_seconds
        self.start, self.end = parse_ts(spec.start), parse_ts(spec.end)
        if self.end <= self.start:
            raise ValueError("the data range must end after it starts")
        span = self.end - self.start
        rng = random.Random(spec.seed)
        # starts are whole milliseconds, as the APIs show them, so ground truth and API agree at edges
        self.conv_starts = sorted(_ms(self.start + rng.random() * span) for _ in range(spec.conversations))
        self.conv_seconds = [min(30 + rng.expovariate(1 / 360), CONVERSATION_MAX_SECONDS) for _ in self.conv_starts]
        self.contact_starts = sorted(_ms(self.start + rng.random() * span) for _ in range(spec.contacts))
        shortest = min(5.0, spec.contact_max_seconds / 2)
        self.contact_seconds = [
            shortest + rng.random() * (spec.contact_max_seconds - shortest) for _ in self.contact_starts
        ]
        self._conversation = lru_cache(maxsize=50_000)(self._make_conversation)
        self._conversation_json = lru_cache(maxsize=300_000)(self._make_conversation_json)

    def aggregates(
        self, start: float, end: float, granularity: str | None, group_by: list[str], metrics: list[str]
    ) -> list[dict[str, Any]]:
        """Ground truth of the conversation aggregates query: stats per group and granularity bucket
        (:mod:`.conversation_aggregates`; the other families' in :mod:`.aggregates`)."""
        return conversation_aggregates(self, start, end, granularity, group_by, metrics)

    @cached_property
    def evaluation_items(self) -> list[dict[str, Any]]:
        """Every evaluation of the conversations as the quality search answers it (their final state), by id."""
        items = [
            search_item(record, evaluation)
            for record in (self.conversation(index) for index in range(len(self.conv_starts)))
            for evaluation in record.get("evaluations", [])
        ]
        return sorted(items, key=lambda item: item["id"])

    def evaluations_changed(self, start: float, end: float) -> list[dict[str, Any]]:
        """Ground truth of the evaluations dataset: the evaluations whose last event (created, submitted,
        released: the latest of ``createdDate``, ``submittedDate``, ``releaseDate``) is in [start, end), by id."""
        return [item for item in self.evaluation_items if start <= parse_ts(item["changedDate"]) < end]

    # -- dimensions, agent activity, summaries (ground truth of the declared endpoints) --------------

    @cached_property
    def activity(self) -> UserActivity:
        """Every user's presence and routing-status intervals (built on first use)."""
        return UserActivity(self)

    def entities(self, vendor: str, dataset: str, expand: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        """Ground truth of a dimension snapshot: every entity of the list once (Genesys users: ``state=any``)."""
        if vendor == "genesys":
            return dimensions.genesys_entities(dataset, expand, state="any")
        return dimensions.cxone_entities(dataset)

    def user_interval_rows(self, start: float, end: float) -> list[dict[str, Any]]:
        """Ground truth of agent activity: one row per presence or routing interval that started in [start, end)."""
        return self.activity.rows_started(start, end)

    def cxone_summary(self, dataset: str, start: float, end: float) -> list[dict[str, Any]]:
        """Ground truth of a CXone reporting summary of [start, end), or of agent state history
        (``agent_state_history``: the states that started then)."""
        if dataset == "agent_state_history":
            return cxone_agent_states(self, start, end)
        return cxone_summary(self, dataset, start, end)
