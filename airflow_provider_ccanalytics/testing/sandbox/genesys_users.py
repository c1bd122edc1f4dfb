"""Genesys Cloud agent activity: ``POST /api/v2/analytics/users/details/query`` and users details job results.

Sources: the official Genesys SDK models: ``UserDetailsQuery`` (``interval``, ``paging {pageSize, pageNumber}``,
``order``, filters), ``AnalyticsUserDetailsQueryResponse`` (``userDetails[]``, ``totalHits``) and
``AnalyticsUserDetailsAsyncQueryResponse`` (``userDetails[]``, ``cursor``, ``dataAvailabilityDate``); each
``AnalyticsUserDetail`` has ``userId``, ``primaryPresence[]`` and ``routingStatus[]``.
"""

from __future__ import annotations

import base64
from typing import Any

from airflow_provider_ccanalytics.testing.data import iso, parse_ts
from airflow_provider_ccanalytics.testing.sandbox.genesys_analytics import GenesysAnalyticsMixin


class GenesysUsersMixin(GenesysAnalyticsMixin):
    """The users details query, and the pages of a users details job."""

    def _users_details_query(self, body: dict[str, Any]) -> dict[str, Any]:
        """Paged by user: ``totalHits`` counts users (guess: the SDK documents ``totalHits`` but not what it
        counts; the conversation query counts conversations, its records). Each user's intervals overlapping
        the query interval are answered whole, not clipped to it (guess: how Genesys answers an interval that
        started before the query interval is not documented; the client keeps each interval in the partition
        that holds its ``startTime``, so either answer gives the same output)."""
        start, end = self._interval(body)
        size, number = self._page_of(body)
        details = self.data.activity.user_details(start, end)
        if body.get("order") == "desc":
            details.reverse()
        page = details[(number - 1) * size : number * size]
        answer: dict[str, Any] = {"totalHits": len(details)}
        if page:  # guess: like the conversation query, the list is absent on an empty page
            answer["userDetails"] = page
        return answer

    def _users_job_page(
        self, start: float, end: float, availability: float, query: dict[str, str], offset: int
    ) -> dict[str, Any]:
        """One cursor page of a users details job over [start, end): users in id order, only the intervals that
        started before the job's ``dataAvailabilityDate`` (the job sees no later data)."""
        size = min(int(query.get("pageSize", 1000)), 10_000)
        details = []
        for detail in self.data.activity.user_details(start, min(end, availability)):
            kept = {
                key: [item for item in detail[key] if parse_ts(item["startTime"]) < availability]
                for key in ("primaryPresence", "routingStatus")
            }
            if kept["primaryPresence"] or kept["routingStatus"]:
                details.append({"userId": detail["userId"], **kept})
        page = details[offset : offset + size]
        answer: dict[str, Any] = {"userDetails": page, "dataAvailabilityDate": iso(availability)}
        if offset + size < len(details):
            answer["cursor"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        return answer
