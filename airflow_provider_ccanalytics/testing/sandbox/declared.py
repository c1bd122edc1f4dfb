"""Every declared GET endpoint (:mod:`airflow_provider_ccanalytics.core.catalog`), served from its declaration.

The route, its paging and where the records go in the answer follow from the :class:`Endpoint`; the records
come from the ground truth (:meth:`Dataset.entities`, :meth:`Dataset.cxone_summary`) or, for an endpoint
declared elsewhere (a test's toy endpoint), from a function given to :func:`register_sandbox_data`.

Genesys platform lists page like the platform API: ``pageSize`` (default 25) and ``pageNumber`` (from 1) in,
``entities``, ``pageSize``, ``pageNumber``, ``total``, ``pageCount`` and relative ``selfUri``/``firstUri``/
``lastUri``/``nextUri``/``previousUri`` out (``nextUri`` only while there is a next page). CXone lists and
summaries page with ``skip``/``top`` and ``_links.next`` like completed contacts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from airflow_provider_ccanalytics.core.catalog import endpoints
from airflow_provider_ccanalytics.core.datasets import Endpoint
from airflow_provider_ccanalytics.testing import dimensions
from airflow_provider_ccanalytics.testing.data import Dataset, iso, parse_ts
from airflow_provider_ccanalytics.testing.sandbox.base import SandboxBase
from airflow_provider_ccanalytics.testing.sandbox.problems import ApiProblem, genesys_problem

#: (dataset, query params) -> every record of the endpoint's answer (all pages)
SandboxData = Callable[[Dataset, dict[str, str]], list[dict[str, Any]]]
_DATA: dict[str, SandboxData] = {}

GENESYS_DEFAULT_PAGE_SIZE = 25  # the platform API's documented default
# guess: most platform lists document a maximum pageSize of 100 and answer 400 above it
GENESYS_MAX_PAGE_SIZE = 100


def register_sandbox_data(name: str, records: SandboxData) -> None:
    """The sandbox data of a declared endpoint named ``vendor.dataset`` (e.g. a test's toy endpoint)."""
    _DATA[name] = records


def unregister_sandbox_data(name: str) -> None:
    _DATA.pop(name, None)


def _expand(query: dict[str, str]) -> frozenset[str]:
    # the sandbox expands users' skills and groups; other documented values are accepted and add nothing
    return frozenset(item.strip() for item in query.get("expand", "").split(",") if item.strip())


def _genesys_users(data: Dataset, query: dict[str, str]) -> list[dict[str, Any]]:
    # the API lists active users unless told state=any/inactive/deleted
    return dimensions.genesys_entities("users", _expand(query), state=query.get("state", "active"))


register_sandbox_data("genesys.users", _genesys_users)


class DeclaredRoutesMixin(SandboxBase):
    """Serves every GET declaration of a vendor; tried after that vendor's own routes, before the 404."""

    def _declared_route(
        self, vendor: str, method: str, path: str, query: dict[str, str]
    ) -> tuple[str, int, dict[str, str], Any] | None:
        """The answer of the declared endpoint at ``path``, or None when no GET declaration has that path."""
        if method != "GET":
            return None
        endpoint = next((e for e in endpoints(vendor) if e.method == "GET" and e.path == path), None)
        if endpoint is None:
            return None
        try:
            records = self._declared_records(endpoint, query)
        except KeyError:  # declared, but the sandbox has no data for it: register_sandbox_data
            return None
        route = f"{vendor} {endpoint.dataset}"
        if endpoint.paging == "platform":
            return route, 200, {}, self._platform_page(endpoint, records, query)
        if endpoint.paging == "skip_top":
            status, payload = self._skip_top_page(endpoint, records, query)
            return route, status, {}, payload
        return route, 200, {}, {endpoint.records_key: records}

    def _declared_records(self, endpoint: Endpoint, query: dict[str, str]) -> list[dict[str, Any]]:
        custom = _DATA.get(endpoint.name)
        if custom is not None:
            return custom(self.data, query)
        if endpoint.windowed and endpoint.window_params:
            start_key, end_key = endpoint.window_params
            try:
                start, end = parse_ts(query[start_key]), parse_ts(query[end_key])
            except (KeyError, ValueError):
                raise ApiProblem(
                    400, {"error": "InvalidRequest", "message": f"{start_key} and {end_key} are required ISO-8601"}
                ) from None
            return self.data.cxone_summary(endpoint.dataset, start, end)
        return self.data.entities(endpoint.vendor, endpoint.dataset, _expand(query))

    def _platform_page(self, endpoint: Endpoint, records: list[dict[str, Any]], query: dict[str, str]) -> Any:
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
            return f"{endpoint.path}?{urlencode({**query, 'pageSize': size, 'pageNumber': page})}"

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

    def _skip_top_page(
        self, endpoint: Endpoint, records: list[dict[str, Any]], query: dict[str, str]
    ) -> tuple[int, Any]:
        try:
            skip, top = int(query.get("skip", 0)), int(query.get("top", 100))
        except ValueError:
            raise ApiProblem(400, {"error": "InvalidRequest", "message": "skip and top must be integers"}) from None
        top = min(max(top, 1), self.config.cxone_max_top)
        page = records[skip : skip + top]
        if not page:
            return 204, b""  # as completed contacts answer an empty page
        base = f"{self.cxone_api_url}{endpoint.path}"
        links = {"self": f"{base}?{urlencode({**query, 'skip': skip, 'top': top})}"}
        if skip + top < len(records):
            links["next"] = f"{base}?{urlencode({**query, 'skip': skip + top, 'top': top})}"
        # guess: the admin lists and summaries answer like completed contacts (totalRecords, _links)
        return 200, {
            "totalRecords": len(records),
            "lastPollTime": iso(self.clock()),
            "_links": links,
            endpoint.records_key: page,
        }
