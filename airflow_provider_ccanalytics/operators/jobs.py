"""Remote-job operators' part: submit a job, wait for it (deferred or in place), collect, cancel on failure.

``JobOperatorMixin`` is mixed into a vendor operator (the window, output and hook come from
:class:`~airflow_provider_ccanalytics.operators.base.AnalyticsOperator`); the job family is a ``JobType``.
A retry reattaches to its earlier job (:mod:`.resume`); a deferred wait is an ``AnalyticsJobTrigger``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from airflow.triggers.base import BaseTrigger

from airflow_provider_ccanalytics.core.datasets import JobType
from airflow_provider_ccanalytics.core.errors import JobFailedError
from airflow_provider_ccanalytics.core.partitions import Window, require_aligned
from airflow_provider_ccanalytics.hooks.base import CcAnalyticsHook
from airflow_provider_ccanalytics.operators.resume import forget_job, recall_job, remember_job
from airflow_provider_ccanalytics.settings import option_float
from airflow_provider_ccanalytics.triggers.jobs import AnalyticsJobTrigger


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
