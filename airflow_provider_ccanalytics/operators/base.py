"""What every analytics operator shares: the window from the run, the output, deferral plumbing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from airflow.configuration import conf
from airflow.sdk import BaseOperator
from airflow.triggers.base import BaseTrigger

from airflow_provider_ccanalytics.core.datasets import JobType
from airflow_provider_ccanalytics.core.errors import ConfigurationError, JobFailedError
from airflow_provider_ccanalytics.core.partitions import (
    Window,
    check_key_form,
    grain_step,
    iso_z,
    parse_instant,
    require_aligned,
)
from airflow_provider_ccanalytics.core.records import check_layout
from airflow_provider_ccanalytics.hooks.base import CcAnalyticsHook
from airflow_provider_ccanalytics.operators.budget import check_max_requests
from airflow_provider_ccanalytics.operators.partitions import PartitionedOutput
from airflow_provider_ccanalytics.operators.resume import forget_job, recall_job, remember_job
from airflow_provider_ccanalytics.operators.runs import cron_window
from airflow_provider_ccanalytics.outputs.formats import check_output_options
from airflow_provider_ccanalytics.settings import option_float
from airflow_provider_ccanalytics.triggers.jobs import AnalyticsJobTrigger

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


class JobOperatorMixin:
    """Submit a remote job, wait for it (deferred or in place), cancel it on kill or failure.

    :param deferrable: wait in the triggerer instead of a worker slot.
    :param poll_interval: seconds between status checks.
    :param job_timeout: seconds to wait for the job before failing.
    """

    log: Any
    job_id: str | None = None
    #: the remote-job family (submit, status, results, cancel, availability); triggers carry its name
    job_type: JobType
    deferrable: bool
    poll_interval: float
    job_timeout: float | None
    destination: Any
    grain: str

    if TYPE_CHECKING:  # provided by the vendor operator this is mixed into (a stub here would shadow it)
        hook: Any

        def get_hook(self) -> CcAnalyticsHook: ...

        def window(self, context: Any) -> Window: ...

        def defer(
            self,
            *,
            trigger: BaseTrigger,
            method_name: str,
            kwargs: dict[str, Any] | None = None,
            timeout: timedelta | int | float | None = None,
        ) -> NoReturn: ...

    def collect(self, window: Window) -> Any:
        """Page the finished job's results into the output (the vendor operator's part)."""
        raise NotImplementedError

    def collect_and_forget(self, window: Window) -> Any:
        """Collect the finished job's results, then forget the job (a later rerun submits a new one)."""
        result = self.collect(window)
        forget_job()
        return result

    def start_job(self, window: Window, *, job_window: Window | None = None, **spec: Any) -> Any:
        """Submit this family's job for ``job_window`` (default: ``window``), then wait and collect (:meth:`run_job`).

        The window is checked first (aligned to the grain when writing partitions), so a run that could not
        write its partitions fails before any remote job exists, not after the job ran. A retry whose earlier try
        left a running or finished job reattaches to it instead of submitting another (:mod:`.resume`).

        :param window: the run's window (its partitions).
        :param job_window: what the job covers, when more than the window (the lookback partitions too).
        :param spec: the family's submit arguments (:meth:`JobType.submit`).
        """
        if self.destination not in (None, ""):
            require_aligned(window, self.grain)
        covered = job_window or window
        job_id = recall_job(self.get_hook(), self.job_type, covered)  # a retry reattaches (see .resume)
        if job_id is None:
            job_id = self.job_type.submit(self.hook.client, covered, **spec)
            remember_job(job_id, self.job_type, covered)
        return self.run_job(job_id, window)

    def run_job(self, job_id: str, window: Window) -> Any:
        """Wait for a submitted job (deferring when deferrable), then collect; a failure cancels the job.

        The job id goes to XCom (key ``job_id``) first, so a retry or a person can find the job. A deferrable
        operator checks the job once before deferring and collects at once when it already ended (a job that
        ends within a second or two otherwise races the scheduler's handling of the deferral).
        """
        self.job_id = job_id
        self._save_job_id(job_id)
        if self.deferrable:
            status = self._cancel_on_failure(lambda: self.get_hook().job_status(job_id, self.job_type))
            if not status.done:
                self.defer(trigger=self.job_trigger(job_id), method_name="execute_complete")
            self.log.info("Job %s already ended (%s): collecting without deferring", job_id, status.state)
            if not status.succeeded:
                self.cancel_quietly()
                raise JobFailedError(job_id, status.state, status.message)
            return self._cancel_on_failure(lambda: self.collect_and_forget(window))

        def wait_then_collect() -> Any:
            self.wait_in_place(job_id)
            return self.collect_and_forget(window)

        return self._cancel_on_failure(wait_then_collect)

    def _save_job_id(self, job_id: str) -> None:
        try:
            from airflow.sdk import get_current_context

            get_current_context()["ti"].xcom_push(key="job_id", value=job_id)
        except Exception as error:  # outside a task (unit use): nothing to save to
            self.log.debug("Job id %s not saved to XCom: %s", job_id, error)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        """Resume after the trigger: collect the results of the job it reported on."""
        self.check_event(event)
        return self._cancel_on_failure(lambda: self.collect_and_forget(self.window(context)))

    def _cancel_on_failure(self, work: Callable[[], Any]) -> Any:
        try:
            return work()
        except BaseException:
            self.cancel_quietly()
            raise

    def job_trigger(self, job_id: str) -> AnalyticsJobTrigger:
        """The trigger that polls ``job_id``; its hold is ``[ccanalytics] min_deferral_seconds`` (default 30)."""
        hook = self.get_hook()
        hook_class = f"{type(hook).__module__}.{type(hook).__name__}"
        return AnalyticsJobTrigger(
            hook_class,
            hook.conn_id,
            job_id,
            self.poll_interval,
            self.job_timeout,
            job_type=self.job_type.name,
            min_deferral=min_deferral_seconds(),
        )

    def wait_in_place(self, job_id: str) -> None:
        """Poll until the job ends (the non-deferrable path); raises JobFailedError on failure."""
        self.job_type.wait(self.get_hook().get_client(), job_id, self.poll_interval, self.job_timeout)

    def check_event(self, event: dict[str, Any]) -> str:
        """The job id of a successful trigger event; raises JobFailedError otherwise."""
        self.job_id = str(event["job_id"])
        if event.get("status") != "success":
            self.cancel_quietly()
            raise JobFailedError(self.job_id, str(event.get("state")), str(event.get("message") or ""))
        return self.job_id

    def cancel_quietly(self) -> None:
        """Cancel the remote job once, logging (not raising) if that fails."""
        if not self.job_id or self.job_id == getattr(self, "_cancelled_job_id", None):
            return
        self._cancelled_job_id = self.job_id
        try:
            self.get_hook().cancel_job(self.job_id, self.job_type)
        except Exception as error:
            self.log.warning("Could not cancel job %s: %s", self.job_id, error)

    def on_kill(self) -> None:
        self.cancel_quietly()


def min_deferral_seconds() -> float:
    """Airflow's ``[ccanalytics] min_deferral_seconds`` (``AIRFLOW__CCANALYTICS__MIN_DEFERRAL_SECONDS``).

    A deferred job task resumes no sooner than this after deferring; see AnalyticsJobTrigger.
    """
    return option_float("min_deferral_seconds")


def default_deferrable() -> bool:
    """Airflow's ``[operators] default_deferrable`` setting."""
    return conf.getboolean("operators", "default_deferrable", fallback=False)


def seconds(value: timedelta | float | int) -> float:
    """A duration in seconds from a timedelta or a number."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
