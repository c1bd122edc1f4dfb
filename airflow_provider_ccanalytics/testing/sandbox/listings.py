"""Serves the GET list routes of :mod:`.list_routes`: Genesys platform lists, CXone admin lists and summaries.

The records come from the route's records function or the ground truth (:meth:`Dataset.entities`,
:meth:`Dataset.cxone_summary`); the route's paging style shapes the answer.

Sources: Genesys platform lists page like the platform API's entity listings (official Genesys SDK models,
e.g. ``UserEntityListing``): ``pageSize`` (default 25) and ``pageNumber`` (from 1) in, ``entities``,
``pageSize``, ``pageNumber``, ``total``, ``pageCount`` and relative ``selfUri``/``firstUri``/``lastUri``/
``nextUri``/``previousUri`` out (``nextUri`` only while there is a next page). CXone lists that page (``skip_top``)
answer ``totalRecords``, ``_links`` and the records like NICE's v34 completed contacts; the others (``none``)
answer the whole list and ignore ``skip``/``top``, as the spec's summaries (see :mod:`.list_routes`).
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from airflow_provider_ccanalytics.testing.activity import cxone_agent_states
from airflow_provider_ccanalytics.testing.common import iso, parse_ts
from airflow_provider_ccanalytics.testing.sandbox.base import SandboxBase
from airflow_provider_ccanalytics.testing.sandbox.cxone_shapes import render_record
from airflow_provider_ccanalytics.testing.sandbox.list_routes import (
    ListRoute,
    SandboxRecords,
    expand_param,
    sandbox_route,
)
from airflow_provider_ccanalytics.testing.sandbox.problems import ApiProblem, genesys_problem

GENESYS_DEFAULT_PAGE_SIZE = 25  # the platform API's documented default
# guess: most platform lists document a maximum pageSize of 100 and answer 400 above it
GENESYS_MAX_PAGE_SIZE = 100


class ListRoutesMixin(SandboxBase):
    """Serves every list route of a vendor; tried after that vendor's own routes, before the 404."""

    def _list_route(
        self, vendor: str, method: str, path: str, query: dict[str, str]
    ) -> tuple[str, int, dict[str, str], Any] | None:
        """The answer of the list at ``path``, or None when the sandbox serves no GET list there.

        :param vendor: ``genesys`` or ``cxone``.
        :param method: the request's method (only GET is served here).
        :param path: the path below the vendor's API base URL.
        :param query: the request's query parameters.
        """
        if method != "GET":
            return None
        found = sandbox_route(vendor, path)
        if found is None:
            return None
        route, records_fn = found
        try:
            records = self._list_records(route, records_fn, query)
        except KeyError:  # a route without data (no records function, no ground truth): not served
            return None
        label = f"{vendor} {route.dataset}"
        if route.paging == "platform":
            return label, 200, {}, self._platform_page(route, records, query)
        if route.paging == "skip_top":
            status, payload = self._skip_top_page(route, records, query)
            return label, status, {}, payload
        return label, 200, {}, {route.records_key: records}

    def _list_records(
        self, route: ListRoute, records_fn: SandboxRecords | None, query: dict[str, str]
    ) -> list[dict[str, Any]]:
        if records_fn is not None:
            return records_fn(self.data, query)
        if route.window_params:
            start_key, end_key = route.window_params
            try:
                start, end = parse_ts(query[start_key]), parse_ts(query[end_key])
            except (KeyError, ValueError):
                raise ApiProblem(
                    400, {"error": "InvalidRequest", "message": f"{start_key} and {end_key} are required ISO-8601"}
                ) from None
            if route.dataset == "agent_state_history":  # as reporting shows it now, `updatedSince` applied
                since = parse_ts(query["updatedSince"]) if query.get("updatedSince") else None
                settle, now = self.config.settle_seconds, self.clock()
                records = cxone_agent_states(self.data, start, end, now, settle, since)
            else:
                records = self.data.cxone_summary(route.dataset, start, end)
            if route.vendor == "cxone":
                shape, casing = self.config.cxone_shape, self.config.cxone_casing
                return [render_record(route.dataset, record, shape, casing) for record in records]
            return records
        return self.data.entities(route.vendor, route.dataset, expand_param(query))

    def _platform_page(self, route: ListRoute, records: list[dict[str, Any]], query: dict[str, str]) -> Any:
        try:
            size = int(query.get("pageSize", GENESYS_DEFAULT_PAGE_SIZE))
            number = int(query.get("pageNumber", 1))
        except ValueError:
            raise genesys_problem(400, "pageSize and pageNumber must be integers", "bad.request") from None
        if not 1 <= size <= GENESYS_MAX_PAGE_SIZE or number < 1:
            raise genesys_problem(
                400, f"pageSize must be 1..{GENESYS_MAX_PAGE_SIZE} and pageNumber at least 1", "bad.request"
            )
        count = math.ceil(len(records) / size)

        def uri(page: int) -> str:
            return f"{route.path}?{urlencode({**query, 'pageSize': size, 'pageNumber': page})}"

        body: dict[str, Any] = {
            "entities": records[(number - 1) * size : number * size],
            "pageSize": size,
            "pageNumber": number,
            "total": len(records),
            "pageCount": count,
            "firstUri": uri(1),
            "selfUri": uri(number),
            "lastUri": uri(max(count, 1)),
        }
        if number < count:
            body["nextUri"] = uri(number + 1)
        if number > 1:
            body["previousUri"] = uri(number - 1)
        return body

    def _skip_top_page(self, route: ListRoute, records: list[dict[str, Any]], query: dict[str, str]) -> tuple[int, Any]:
        try:
            skip, top = int(query.get("skip", 0)), int(query.get("top", 100))
        except ValueError:
            raise ApiProblem(400, {"error": "InvalidRequest", "message": "skip and top must be integers"}) from None
        top = min(max(top, 1), self.config.cxone_max_top)
        first = 0 if self.config.cxone_ignore_skip else skip  # a server ignoring skip serves page one again
        page = records[first : first + top]
        if not page:
            return 204, b""  # as completed contacts answer an empty page
        base = f"{self.cxone_api_url}{route.path}"
        links = {"self": f"{base}?{urlencode({**query, 'skip': skip, 'top': top})}"}
        if skip + top < len(records):
            links["next"] = f"{base}?{urlencode({**query, 'skip': skip + top, 'top': top})}"
        # as the spec's paged lists answer (AdminAgentsService `getAgents`, `getFullSLASummaries`)
        return 200, {
            "totalRecords": len(records),
            "lastPollTime": iso(self.clock()),
            "_links": links,
            route.records_key: page,
        }
