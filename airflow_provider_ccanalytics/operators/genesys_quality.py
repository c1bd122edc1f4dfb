"""Genesys Cloud quality evaluations: ``POST /api/v2/quality/evaluations/search``, by each evaluation's own
change time.

Evaluations arrive days or weeks after the call, so the conversation details (partitioned by the
conversation's start) cannot keep them current. This operator partitions them by their latest event instead:
the latest of ``createdDate``, ``submittedDate`` (a rescore submits again) and ``releaseDate``, kept as
``lastEventDate``. The search has no ``changedDate`` criterion and ANDs its criteria, so each partition is three
``DATE_RANGE`` searches (one per event date, sorted by it, paged by ``pageSize``/``pageNumber`` in the body)
whose union, each evaluation once, is exactly the evaluations whose latest event falls in the partition: a
nightly run over yesterday picks up every evaluation created, submitted, rescored or released yesterday, in
its newest state; one that changed again since is left to the partition of that later event.

Why an operator of its own: the declaration (:data:`...core.genesys.endpoints.GENESYS_EVALUATIONS`) holds the
path, paging, schema and partition key, but its window is three search bodies, not one interval field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from airflow_provider_ccanalytics.core.datasets import Endpoint
from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.genesys import EVALUATION_EVENT_DATES
from airflow_provider_ccanalytics.core.http import mapping_argument
from airflow_provider_ccanalytics.core.partitions import PartitionStatus, Window, iso_z, parse_instant
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.operators.endpoints import EndpointOperator

#: the longest time range one search may cover ("Max 3 months": QualityApi.md); GUESS: 92 days
MAX_SEARCH_DAYS = 92


def search_body(field: str, unit: Window) -> dict[str, Any]:
    """The search body of one event date over ``unit`` (paging fields are the paginator's).

    :param field: ``createdDate``, ``submittedDate`` or ``releaseDate``.
    :param unit: the partition's window.
    """
    return {
        "query": [{"type": "DATE_RANGE", "field": field, "startValue": iso_z(unit.start), "endValue": iso_z(unit.end)}],
        "sortBy": field,
        "sortOrder": "ASC",
    }


class GenesysEvaluationsOperator(EndpointOperator):
    """Quality evaluations (``quality:evaluation:searchAny``), one ``interval_start=`` partition per grain unit,
    each evaluation in the partition of its latest event (``lastEventDate``), written in (``lastEventDate``,
    ``id``) order so a rerun over unchanged data writes the same bytes.

    :param genesys_cloud_conn_id: the Genesys Cloud connection.
    :param page_size: results per search page (default 100).
    :param start: window start (templated; default: the run's data interval).
    :param end: window end (templated).
    """

    partition_kinds = ("by_time",)
    template_fields: Sequence[str] = EndpointOperator.template_fields

    def __init__(self, *, genesys_cloud_conn_id: str = GenesysCloudHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(vendor="genesys", dataset="evaluations", conn_id=genesys_cloud_conn_id, **kwargs)
        self.genesys_cloud_conn_id = genesys_cloud_conn_id

    def evaluations(self, unit: Window) -> Iterator[dict[str, Any]]:
        """The rows of the evaluations whose latest event is in ``unit``, each once.

        :param unit: one partition's window (at most :data:`MAX_SEARCH_DAYS`).
        """
        if (unit.end - unit.start).total_seconds() > MAX_SEARCH_DAYS * 86_400:
            raise ConfigurationError("grain", f"one evaluations search covers at most {MAX_SEARCH_DAYS} days")
        endpoint: Endpoint = self.endpoint
        client, size = self.api_client, self.effective_page_size()
        rows: dict[str, dict[str, Any]] = {}
        for field in EVALUATION_EVENT_DATES:
            request = endpoint.request(None, self.options, search_body(field, unit))
            pages = client.pages(
                request, endpoint.paginator(size), endpoint.records_key, what=f"{endpoint.name} {field} {unit.label()}"
            )
            for _body, records in pages:
                for record in records:
                    for row in endpoint.to_rows(record):
                        if row.get("lastEventDate") and endpoint.in_window(row, unit):
                            rows.setdefault(str(row["id"]), row)
        yield from sorted(
            rows.values(), key=lambda row: (parse_instant(row["lastEventDate"], "lastEventDate"), row["id"])
        )

    def extract(self, context: Any, window: Window) -> Any:
        self.options = mapping_argument(self.options, "options")

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            return [lambda: self.evaluations(unit)]

        return self.deliver(window, sources, {"endpoint": self.endpoint.path, "dates": list(EVALUATION_EVENT_DATES)})
