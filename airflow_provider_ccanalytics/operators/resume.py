"""Reattaching a retried job task to the remote job an earlier try started (Airflow 3.3's task state).

A job task that dies while its remote job runs (a killed worker, a lost node) is retried; without memory the
retry submits a second job, which wastes the vendor's job quota and, on CXone (one extraction per tenant),
first waits out its own orphan. The earlier try keeps ``{job_id, job_type, window}`` in the task's state store
(``context["task_state_store"]``, scoped to dag, run, task and map index, so it survives retries), written as
soon as the job is submitted; the retry reads it and follows the decision table of Airflow's own
``ResumableJobMixin``: a job still running or already succeeded is reattached to, a failed one is replaced.
A successful task forgets its job, so a later clear-and-rerun extracts afresh instead of reusing old results.

Written here rather than by inheriting ``ResumableJobMixin``: that mixin owns ``execute`` and polls in place,
while these operators also defer to the triggerer; the state store is the part they share. On Airflow 3.1 and
3.2 there is no task state store: every try submits a job, as before.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from airflow_provider_ccanalytics.compat import task_state_store
from airflow_provider_ccanalytics.core.datasets import JobType
from airflow_provider_ccanalytics.core.errors import CcAnalyticsError
from airflow_provider_ccanalytics.core.partitions import Window

log = logging.getLogger("airflow_provider_ccanalytics")

#: the task state key of the remote job (renaming it breaks the reattachment of tries already running)
JOB_STATE_KEY = "ccanalytics_remote_job"
#: how long a remembered job is kept when the task never succeeds (the vendors keep job results for days)
JOB_STATE_RETENTION = timedelta(days=7)


def recall_job(hook: Any, job_type: JobType, window: Window) -> str | None:
    """The job an earlier try of this task started for the same family and window, if it can be reattached to.

    :param hook: the connection's hook (its ``job_status``).
    :param job_type: the job family the task runs.
    :param window: what the job covers.
    :returns: the job id when the job is still running or has succeeded; None when there is none to reuse.
    """
    store = task_state_store()
    record = store.get(JOB_STATE_KEY) if store is not None else None
    if not isinstance(record, dict) or not record.get("job_id"):
        return None
    if (record.get("job_type"), record.get("window")) != (job_type.name, window.interval()):
        return None  # another window or family (a changed DAG): not this task's job
    job_id = str(record["job_id"])
    try:
        status = hook.job_status(job_id, job_type)
    except CcAnalyticsError as error:
        log.warning("The job %s of an earlier try cannot be read (%s): submitting a new one", job_id, error)
        return None
    if status.done and not status.succeeded:
        log.warning("The job %s of an earlier try ended %s: submitting a new one", job_id, status.state)
        return None
    log.info("Reattaching to job %s, started by an earlier try of this task (%s)", job_id, status.state)
    return job_id


def remember_job(job_id: str, job_type: JobType, window: Window) -> None:
    """Keep the submitted job in the task's state so a retry can reattach (nothing on Airflow before 3.3).

    :param job_id: the vendor's job id.
    :param job_type: its family.
    :param window: what it covers.
    """
    store = task_state_store()
    if store is not None:
        record = {"job_id": job_id, "job_type": job_type.name, "window": window.interval()}
        store.set(JOB_STATE_KEY, record, retention=JOB_STATE_RETENTION)


def forget_job() -> None:
    """Drop the remembered job once its results are written (a later rerun submits a new one)."""
    store = task_state_store()
    if store is not None:
        store.delete(JOB_STATE_KEY)
