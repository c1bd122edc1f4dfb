"""What every analytics operator shares: the window from the run, the output, deferral settings.

The remote-job part (submit, wait, collect, cancel: ``JobOperatorMixin``, ``min_deferral_seconds``) lives in
:mod:`.jobs`; both names are importable from here too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.configuration import conf
from airflow.sdk import BaseOperator

from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.partitions import (
    Window,
    check_key_form,
    grain_step,
    iso_z,
    parse_instant,
)
from airflow_provider_ccanalytics.core.records import check_layout
from airflow_provider_ccanalytics.hooks.base import CcAnalyticsHook
from airflow_provider_ccanalytics.operators.budget import check_max_requests
from airflow_provider_ccanalytics.operators.jobs import JobOperatorMixin, min_deferral_seconds
from airflow_provider_ccanalytics.operators.partitions import PartitionedOutput
from airflow_provider_ccanalytics.operators.runs import cron_window
from airflow_provider_ccanalytics.outputs.formats import check_output_options

__all__ = [
    "EMPTY_INTERVAL_HELP",
    "AnalyticsOperator",
    "JobOperatorMixin",
    "default_deferrable",
    "min_deferral_seconds",
    "resolve_window",
    "seconds",
]

log = logging.getLogger("airflow_provider_ccanalytics")

EMPTY_INTERVAL_HELP = (
    "Pass start= and end= (templated, e.g. start='{{ data_interval_start }}'), or schedule the DAG with a "
    "timetable that has data intervals: schedule=CronDataIntervalTimetable('0 0 * * *', timezone='UTC') or "
    "schedule=timedelta(days=1). Airflow 3's cron strings, manual and asset-triggered runs have no data "
    "interval."
)


def resolve_window(start: Any, end: Any, context: Any) -> Window:
    """The window of this run: explicit ``start``/``end``, else the run's data interval, else its cron window.

    A cron-string schedule (``"@daily"``, a ``CronTriggerTimetable``) gives runs an empty data interval:
    the window is then the previous fire time up to this run's logical date.

    :raises ConfigurationError: when none gives a non-empty window; the message says how to fix it.
    """
    if start not in (None, "") or end not in (None, ""):
        if start in (None, "") or end in (None, ""):
            raise ConfigurationError("start" if start in (None, "") else "end", "give both start and end, or neither")
        return Window.of(start, end)
    interval_start, interval_end = context.get("data_interval_start"), context.get("data_interval_end")
    if interval_start is not None and interval_end is not None:
        begin = parse_instant(interval_start, "data_interval_start")
        finish = parse_instant(interval_end, "data_interval_end")
        if finish > begin:
            return Window(begin, finish)
    derived = cron_window(context)
    if derived is not None:
        return derived
    if interval_start is None or interval_end is None:
        raise ConfigurationError("start", f"this run has no data interval. {EMPTY_INTERVAL_HELP}")
    raise ConfigurationError(
        "start",
        f"this run's data interval is empty ({parse_instant(interval_start, 'data_interval_start').isoformat()}) "
        f"and its logical date is not a fire time of a cron schedule. {EMPTY_INTERVAL_HELP}",
    )


class AnalyticsOperator(PartitionedOutput, BaseOperator):
    """Base of the analytics operators: window, partitions, output, asset events.

    :param start: window start (templated; default: the run's ``data_interval_start``).
    :param end: window end (templated; default: the run's ``data_interval_end``).
    :param output: None for XCom, or a URI / ObjectStoragePath for files (templated, kept as ``destination``).
    :param output_conn_id: the storage connection for a URI ``output`` (e.g. an ``aws`` connection for ``s3://``).
    :param output_format: ``jsonl.gz`` (default), ``parquet`` (typed by the dataset's declared schema; needs the
        ``parquet`` extra) or ``delta`` (a Delta Lake table per dataset; needs the ``delta`` extra).
    :param layout: ``records`` (default: the vendor's records as they are) or ``tables`` (flattened into related
        tables, one folder each under the partition; e.g. conversations, participants, sessions, segments, metrics).
    :param grain: the partition grain, ``day`` (default) or ``hour`` (UTC). Windows must be aligned to it.
    :param max_xcom_records: the most records returned through XCom.
    :param max_workers: parts fetched and written concurrently.
    :param partitioned_asset_events: on Airflow 3.2+, key each outlet asset event by its partition's
        ``interval_start`` (downstream DAGs then need a partition-aware schedule); False: one plain event.
    :param partition_key: the key of those events: ``interval`` (the partition's ``interval_start``) or
        ``org|interval`` (the org / tenant id, ``|``, then ``interval_start``: a composite key for Airflow's
        ``ProductMapper``); None (default): the ``[ccanalytics] partition_key`` option (default ``interval``).
    :param settle_horizon: how long after a window's end the vendor documents no further change, on its
        clock/watermark: ``"auto"`` (default: the dataset's, see the README), a duration, or None (never
        ``settled``). Shorter than the vendor's documented change window: accepted with a warning.
    :param settle: run the settle pass: re-extract, once, the stored partitions whose settle horizon has passed
        and that are not settled yet (one extra partition per run for a daily DAG).
    :param force_lookback: re-extract lookback partitions even when they are settled.
    :param max_requests: a request budget per run: the most HTTP requests this task may send (every request of
        its connection counts: pages, retries, token requests, downloads). Reached, the task ends successfully
        with a checkpoint (Variable ``ccanalytics_budget_<dag_id>.<task_id>``) and the next run goes on from there
        (see :mod:`.budget`). Taken by ``EndpointOperator`` and its Genesys and CXone entity operators,
        ``GenesysEvaluationsOperator`` and ``GenesysTranscriptsOperator``; other operators refuse it.
        None (default): no budget.
    """

    template_fields: Sequence[str] = ("start", "end", "destination", "output_conn_id")
    vendor = ""
    dataset = ""
    #: whether this operator honours ``max_requests`` (ends cleanly at the budget with a checkpoint)
    honours_max_requests = False

    def __init__(
        self,
        *,
        start: Any = None,
        end: Any = None,
        output: Any = None,
        output_conn_id: str | None = None,
        output_format: str = "jsonl.gz",
        layout: str = "records",
        grain: str = "day",
        max_xcom_records: int = 10_000,
        max_workers: int = 4,
        partitioned_asset_events: bool = True,
        partition_key: str | None = None,
        settle_horizon: Any = "auto",
        settle: bool = False,
        force_lookback: bool = False,
        max_requests: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_requests = check_max_requests(max_requests)
        if self.max_requests is not None and not self.honours_max_requests:
            raise ConfigurationError(
                "max_requests",
                f"{type(self).__name__} does not stop at a request budget; it is taken by the endpoint operators "
                "(GenesysEntitiesOperator, CxoneEntitiesOperator, GenesysEvaluationsOperator, EndpointOperator) and "
                "GenesysTranscriptsOperator",
            )
        self.start = start
        self.end = end
        # stored as ``destination``: ``output`` is BaseOperator's XComArg property
        self.destination = output
        self.output_conn_id = output_conn_id
        self.output_format = output_format
        self.layout = check_layout(layout)
        check_output_options(output_format, self.layout, output in (None, ""))
        grain_step(grain)
        self.grain = grain
        self.max_xcom_records = max_xcom_records
        self.max_workers = max_workers
        self.partitioned_asset_events = partitioned_asset_events
        self.partition_key = None if partition_key is None else check_key_form(partition_key)
        self.settle_horizon = settle_horizon
        self.settle = settle
        self.force_lookback = force_lookback

    def get_hook(self) -> CcAnalyticsHook:
        raise NotImplementedError

    def window(self, context: Any) -> Window:
        return resolve_window(self.start, self.end, context)

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        """Render, then fill an empty ``start``/``end`` with the window this run uses (the UI's Rendered tab)."""
        super().render_template_fields(context, jinja_env)
        if self.start in (None, "") and self.end in (None, ""):
            try:
                window = resolve_window(None, None, context)
            except ConfigurationError:
                return  # execute() raises it with the advice
            self.start, self.end = iso_z(window.start), iso_z(window.end)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """This run's OpenLineage inputs and outputs (called by the ``openlineage`` extra's provider; see .lineage)."""
        from airflow_provider_ccanalytics.operators.lineage import operator_lineage

        return operator_lineage(self)


def default_deferrable() -> bool:
    """Airflow's ``[operators] default_deferrable`` setting."""
    return conf.getboolean("operators", "default_deferrable", fallback=False)


def seconds(value: timedelta | float | int) -> float:
    """A duration in seconds from a timedelta or a number."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
