"""Genesys Cloud analytics queries: conversation details and aggregates (synchronous).

Sources: Genesys' developer docs and the official Genesys SDK models: ``ConversationQuery`` (``interval``,
``order``, ``paging {pageSize, pageNumber}``) answering ``AnalyticsConversationQueryResponse``
(``conversations`` absent on an empty page, ``totalHits``); 400 "Pagination may not exceed 100000 results";
``ConversationAggregationQuery`` (``interval``, ``granularity``, ``groupBy``, ``metrics``) answering
``ConversationAggregateQueryResponse``. The 7-day interval cap is uncertain (a setting).
"""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_ccanalytics.testing.data import parse_duration, parse_ts
from airflow_provider_ccanalytics.testing.sandbox.base import SandboxBase
from airflow_provider_ccanalytics.testing.sandbox.problems import RawJson, genesys_problem


class GenesysAnalyticsMixin(SandboxBase):
    """``/api/v2/analytics/.../query`` routes and the interval check they share with the jobs."""

    def _interval(self, body: dict[str, Any], capped: bool = True) -> tuple[float, float]:
        interval = body.get("interval")
        if not interval:
            raise genesys_problem(
                400, "interval is required, as an ISO-8601 interval 'start/end'", "missing.required.property"
            )
        try:
            start, end = (parse_ts(part) for part in str(interval).split("/", 1))
        except ValueError:
            raise genesys_problem(400, f"Invalid interval: {interval}", "invalid.value") from None
        if end <= start:
            raise genesys_problem(400, "The interval end must be after its start", "invalid.value")
        if capped and end - start > self.config.max_interval_days * 86400:
            raise genesys_problem(
                400,
                f"The interval exceeds the maximum of {self.config.max_interval_days:g} days",
                "invalid.value",
            )
        return start, end

    def _page_of(self, body: dict[str, Any]) -> tuple[int, int]:
        """The query's ``(pageSize, pageNumber)`` (defaults 25 and 1), refused as Genesys refuses them."""
        paging = body.get("paging") or {}
        size, number = int(paging.get("pageSize", 25)), int(paging.get("pageNumber", 1))
        if not 1 <= size <= self.config.max_page_size:
            raise genesys_problem(400, f"pageSize must be between 1 and {self.config.max_page_size}", "invalid.value")
        if number < 1:
            raise genesys_problem(400, "pageNumber must be at least 1", "invalid.value")
        if number * size > self.config.result_cap:
            raise genesys_problem(400, f"Pagination may not exceed {self.config.result_cap} results", "invalid.value")
        return size, number

    def _details_query(self, body: dict[str, Any]) -> RawJson:
        start, end = self._interval(body)
        size, number = self._page_of(body)
        indexes = self.data.conversations_overlapping(start, end)
        now = self.clock() if self.data.changes_late else None  # late changes: the truth as of now
        if now is not None:
            indexes = [i for i in indexes if self.data.conv_starts[i] <= now]
        if body.get("order") == "desc":
            indexes.reverse()
        page = indexes[(number - 1) * size : number * size]
        return self._conversations_page(page, {"totalHits": len(indexes)}, now)

    def _conversations_page(self, page: list[int], fields: dict[str, Any], as_of: float | None = None) -> RawJson:
        """``{"conversations": [...], **fields}`` from cached JSON (no ``conversations`` key when empty)."""
        tail = json.dumps(fields, separators=(",", ":"))[1:]
        if not page:
            return RawJson(b"{" + tail.encode())
        items = b",".join(self.data.conversation_json(i, as_of) for i in page)
        return RawJson(b'{"conversations":[' + items + b"]" + (b"," + tail.encode() if fields else b"}"))

    def _aggregates_query(self, body: dict[str, Any]) -> dict[str, Any]:
        start, end = self._interval(body)
        metrics = body.get("metrics")
        if not isinstance(metrics, list) or not metrics:
            raise genesys_problem(400, "metrics is required", "missing.required.property")
        group_by = body.get("groupBy") or []
        allowed = {"queueId", "mediaType", "userId", "direction"}
        if not set(group_by) <= allowed:
            raise genesys_problem(400, f"Unsupported groupBy: {sorted(set(group_by) - allowed)}", "invalid.value")
        granularity = body.get("granularity")
        if granularity:
            try:
                parse_duration(granularity)
            except ValueError:
                raise genesys_problem(400, f"Invalid granularity: {granularity}", "invalid.value") from None
        return {"results": self.data.aggregates(start, end, granularity, list(group_by), list(metrics))}
