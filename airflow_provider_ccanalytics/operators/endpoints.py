"""Operators driven by an endpoint declaration (:mod:`airflow_provider_ccanalytics.core.catalog`).

:class:`EndpointOperator` (in :mod:`~airflow_provider_ccanalytics.operators.endpoint_base`) reads any declared
endpoint: a ``snapshot`` endpoint (a dimension list) becomes one ``snapshot_date=YYYY-MM-DD`` partition per run, a
windowed one (a reporting summary) one ``interval_start=`` partition per grain unit, through the same output
contract as the other operators. The vendor operators here only name the endpoint and the connection;
``CxoneAgentStateHistoryOperator`` lives in :mod:`~airflow_provider_ccanalytics.operators.cxone_agent_states`.
All are importable from this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

from airflow_provider_ccanalytics.core.http import mapping_argument
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.hooks.cxone import NiceCxoneHook
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.operators.cxone_agent_states import STATE_KEY, CxoneAgentStateHistoryOperator
from airflow_provider_ccanalytics.operators.cxone_base import _CxoneOperator
from airflow_provider_ccanalytics.operators.endpoint_base import HOOKS, EndpointOperator

__all__ = [
    "HOOKS",
    "STATE_KEY",
    "CxoneAgentStateHistoryOperator",
    "CxoneEntitiesOperator",
    "CxoneReportingOperator",
    "EndpointOperator",
    "GenesysEntitiesOperator",
    "report_dataset",
]


class GenesysEntitiesOperator(EndpointOperator):
    """A dated snapshot of one Genesys Cloud platform list (users, queues, wrap-up codes, divisions...).

    Writes every entity once to ``{output}/genesys/{entity}/snapshot_date=YYYY-MM-DD/``; a rerun replaces
    only its own date. Pages with ``pageSize``/``pageNumber``, following ``nextUri``.

    :param entity: ``users``, ``queues``, ``wrapupcodes``, ``divisions``, ``skills``, ``languages`` or ``flows``.
    :param genesys_cloud_conn_id: the Genesys Cloud connection.
    :param expand: users: what to expand, e.g. ``["skills", "groups"]`` (``division`` is always in a user).
    :param options: more declared query parameters, e.g. users ``{"state": "active"}`` (default ``any``).
    :param snapshot_date: the partition's date (templated; default ``{{ ds }}``: the data interval's start date).
    """

    partition_kinds = ("snapshot",)

    def __init__(
        self,
        *,
        entity: str,
        genesys_cloud_conn_id: str = GenesysCloudHook.default_conn_name,
        expand: Sequence[str] | str | None = None,
        options: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        more = {**(options or {}), **({"expand": expand} if expand else {})}
        super().__init__(vendor="genesys", dataset=entity, conn_id=genesys_cloud_conn_id, options=more, **kwargs)
        self.entity = entity
        self.genesys_cloud_conn_id = genesys_cloud_conn_id


class CxoneEntitiesOperator(EndpointOperator):
    """A dated snapshot of one NICE CXone admin list: ``agents``, ``skills`` or ``teams`` (skip/top paging).

    :param entity: ``agents``, ``skills`` or ``teams``.
    :param nice_cxone_conn_id: the NICE CXone connection.
    :param snapshot_date: the partition's date (templated; default ``{{ ds }}``).
    """

    partition_kinds = ("snapshot",)

    def __init__(self, *, entity: str, nice_cxone_conn_id: str = NiceCxoneHook.default_conn_name, **kwargs: Any):
        super().__init__(vendor="cxone", dataset=entity, conn_id=nice_cxone_conn_id, **kwargs)
        self.entity = entity
        self.nice_cxone_conn_id = nice_cxone_conn_id


def report_dataset(report: str) -> str:
    """``skills/summary`` (the path) or ``skills_summary`` (the dataset) as the dataset name."""
    return report.strip("/").replace("/", "_").replace("-", "_")


class CxoneReportingOperator(EndpointOperator, _CxoneOperator):
    """A NICE CXone reporting summary of the window (``startDate``/``endDate``), one ``interval_start=``
    partition per grain unit, after the late-data margin like completed contacts.

    :param report: ``skills/summary``, ``skills/sla-summary`` or ``teams/performance-total`` (or the dataset
        names ``skills_summary``...).
    :param nice_cxone_conn_id: the NICE CXone connection.
    :param late_data_margin: how long after the window's end its contacts are complete (30 min).
    :param start: window start (templated; default: the run's data interval).
    :param end: window end (templated).
    """

    partition_kinds = ("queried_window",)
    execute = _CxoneOperator.execute  # wait out the late-data margin, then extract()
    honours_max_requests = False  # its execute is the margin wait's, not the budgeted one

    def __init__(self, *, report: str, nice_cxone_conn_id: str = NiceCxoneHook.default_conn_name, **kwargs: Any):
        super().__init__(
            vendor="cxone",
            dataset=report_dataset(report),
            conn_id=nice_cxone_conn_id,
            nice_cxone_conn_id=nice_cxone_conn_id,
            **kwargs,
        )
        self.report = report

    @cached_property
    def hook(self) -> NiceCxoneHook:
        return NiceCxoneHook(self.nice_cxone_conn_id)

    def extract(self, context: Any, window: Window) -> Any:
        self.options = mapping_argument(self.options, "options")
        return super().extract(context, window)
