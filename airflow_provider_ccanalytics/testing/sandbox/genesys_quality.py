"""Genesys Cloud quality: ``POST /api/v2/quality/evaluations/search``.

Source: the official Genesys SDK (MyPureCloud/platform-client-sdk-python, ``build/docs/QualityApi.md``,
``post_quality_evaluations_search``; models ``EvaluationSearchRequestDTO``, ``EvaluationSearchCriteriaDTO``,
``EvaluationSearchResponse``, ``EvaluationSearchItemResponse``): the body holds ``query`` (criteria, each
``type``, ``field``, ``startValue``/``endValue`` for ranges, ``values`` for EXACT; several criteria AND),
``pageSize``, ``pageNumber``, ``sortBy`` (``conversationDate``, ``createdDate``, ``submittedDate``,
``releaseDate``) and ``sortOrder`` (``ASC``, ``DESC``); a time range is required, at most 3 months; the answer
is ``{pageSize, pageNumber, results[]}`` (no total). Permission ``quality:evaluation:searchAny``.

GUESS (not documented): both ends of a ``DATE_RANGE`` are inclusive (the harder case for a client: an
evaluation at a window's end comes back in two windows' queries); "3 months" is 92 days; the largest
``pageSize`` is 100 and the default 25; an answer's order is the ``sortBy`` field, then id.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_ccanalytics.testing.data import Dataset, parse_ts
from airflow_provider_ccanalytics.testing.sandbox.problems import genesys_problem

EVALUATIONS_SEARCH = "/api/v2/quality/evaluations/search"
#: the date fields a DATE_RANGE criterion may name (``EvaluationSearchCriteriaDTO.field``'s dates)
DATE_FIELDS = ("conversationDate", "createdDate", "submittedDate", "releaseDate")
MAX_RANGE_SECONDS = 92 * 86_400.0  # GUESS: "Max 3 months"
MAX_PAGE_SIZE = 100  # GUESS


class GenesysQualityMixin:
    """The evaluations search over the sandbox's evaluations (:meth:`Dataset.evaluation_items`)."""

    data: Dataset

    def _evaluations_search(self, body: dict[str, Any]) -> dict[str, Any]:
        criteria = body.get("query")
        if not isinstance(criteria, list) or not criteria:
            raise genesys_problem(400, "query is required", "missing.required.property")
        ranges = []
        for criterion in criteria:
            if criterion.get("type") != "DATE_RANGE" or criterion.get("field") not in DATE_FIELDS:
                raise genesys_problem(400, f"unsupported search criterion {criterion}", "invalid.value")
            try:
                start, end = parse_ts(criterion["startValue"]), parse_ts(criterion["endValue"])
            except (KeyError, ValueError):
                raise genesys_problem(400, "a DATE_RANGE needs startValue and endValue", "invalid.value") from None
            if end < start or end - start > MAX_RANGE_SECONDS:
                raise genesys_problem(400, "Time range must not exceed 3 months", "invalid.value")
            ranges.append((criterion["field"], start, end))
        size, number = int(body.get("pageSize", 25)), int(body.get("pageNumber", 1))
        if not 1 <= size <= MAX_PAGE_SIZE or number < 1:
            raise genesys_problem(400, f"pageSize must be 1 to {MAX_PAGE_SIZE}, pageNumber at least 1", "invalid.value")
        found = [
            item
            for item in self.data.evaluation_items
            if all(field in item and start <= parse_ts(item[field]) <= end for field, start, end in ranges)
        ]
        sort_by = body.get("sortBy") or "createdDate"
        found.sort(key=lambda item: (item.get(sort_by, ""), item["id"]), reverse=body.get("sortOrder") == "DESC")
        return {"pageSize": size, "pageNumber": number, "results": found[(number - 1) * size : number * size]}
