"""NICE CXone agent state history (``GET /agents/state-history``): every agent state that started in the window,
one ``interval_start=`` partition per grain unit, extracted in full or incrementally (merged by :data:`STATE_KEY`).

An endpoint operator (:class:`~airflow_provider_ccanalytics.operators.endpoint_base.EndpointOperator`) with the CXone
late-data margin; also importable as ``operators.endpoints.CxoneAgentStateHistoryOperator``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import cached_property
from typing import Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.http import mapping_argument
from airflow_provider_ccanalytics.core.partitions import PartitionStatus, Window, iso_z, parse_instant
from airflow_provider_ccanalytics.hooks.cxone import NiceCxoneHook
from airflow_provider_ccanalytics.operators.cxone_base import _CxoneOperator
from airflow_provider_ccanalytics.operators.endpoint_base import EndpointOperator
from airflow_provider_ccanalytics.operators.spool import merged_source
from airflow_provider_ccanalytics.outputs import partition_path, read_manifest

#: a state's identity in a partition (what an incremental run merges by)
STATE_KEY = ("agentId", "startDate", "stateIndex")


class CxoneAgentStateHistoryOperator(EndpointOperator, _CxoneOperator):
    """NICE CXone agent state history (``GET /agents/state-history``, all agents): every state that started in
    the window, one ``interval_start=`` partition per grain unit (each state in the unit of its ``startDate``),
    after the late-data margin like completed contacts. CXone's equivalent of Genesys agent activity.

    :param nice_cxone_conn_id: the NICE CXone connection.
    :param late_data_margin: how long after the window's end its states are complete (30 min).
    :param mode: ``full`` (default): every partition is extracted in full; ``incremental``: a partition written
        before only fetches the states changed since its manifest's ``watermark`` (the vendor's
        ``lastPollTime``, as ``updatedSince``) and merges them in by (``agentId``, ``startDate``,
        ``stateIndex``) (needs file output).
    :param start: window start (templated; default: the run's data interval).
    :param end: window end (templated).
    """

    partition_kinds = ("by_time",)
    execute = _CxoneOperator.execute  # wait out the late-data margin, then extract()
    honours_max_requests = False  # its execute is the margin wait's, not the budgeted one
    MODES = ("full", "incremental")

    def __init__(
        self, *, nice_cxone_conn_id: str = NiceCxoneHook.default_conn_name, mode: str = "full", **kwargs: Any
    ) -> None:
        super().__init__(
            vendor="cxone",
            dataset="agent_state_history",
            conn_id=nice_cxone_conn_id,
            nice_cxone_conn_id=nice_cxone_conn_id,
            **kwargs,
        )
        if mode not in self.MODES:
            raise ConfigurationError("mode", f"{mode!r} is not one of {self.MODES}")
        self.mode = mode

    @cached_property
    def hook(self) -> NiceCxoneHook:
        return NiceCxoneHook(self.nice_cxone_conn_id)

    def states(self, unit: Window, status: PartitionStatus, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """The unit's states (changed since ``since``, when given); each page's ``lastPollTime`` is the
        partition's next watermark."""
        endpoint, client = self.endpoint, self.api_client
        request = endpoint.request(unit, self.options)
        if since is not None:
            request.params["updatedSince"] = iso_z(since)
        pages = client.pages(
            request,
            endpoint.paginator(self.effective_page_size()),
            endpoint.records_key,
            what=f"{endpoint.name} {unit.label()}",
        )
        for body, records in pages:
            status.saw_vendor_time(body.get("lastPollTime"))
            for record in records:
                yield from (row for row in endpoint.to_rows(record) if endpoint.in_window(row, unit))

    def extract(self, context: Any, window: Window) -> Any:
        self.options = mapping_argument(self.options, "options")

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            if self.mode == "incremental" and self.destination not in (None, ""):
                folder = partition_path(
                    self.destination, self.vendor, self.dataset, unit, self.output_conn_id, self.partition_scope()
                )
                previous = read_manifest(folder)
                if previous and previous.get("watermark"):
                    since = parse_instant(previous["watermark"], "watermark")
                    status.watermark = since  # kept when no page answers (nothing changed)
                    return [merged_source(folder, self.states(unit, status, since), key=STATE_KEY)]
            return [lambda: self.states(unit, status)]

        endpoint = self.endpoint
        return self.deliver(window, sources, {"endpoint": endpoint.path, "mode": self.mode, **self.options})
