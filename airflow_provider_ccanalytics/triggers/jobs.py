"""Deferrable waits: poll a remote job by id, wait for data availability, or wait for a moment.

Triggers carry only small kwargs (conn id, job id, intervals) and reuse the hooks' synchronous
client through ``asyncio.to_thread``, so the triggerer's event loop never blocks and retry,
auth and error handling exist once.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_ccanalytics.core.catalog import job_type
from airflow_provider_ccanalytics.core.errors import CcAnalyticsError
from airflow_provider_ccanalytics.core.genesys import GENESYS_CONVERSATION_JOBS
from airflow_provider_ccanalytics.core.partitions import parse_instant
from airflow_provider_ccanalytics.hooks.base import CcAnalyticsHook
from airflow_provider_ccanalytics.settings import default_of


def load_hook(hook_class: str, conn_id: str) -> CcAnalyticsHook:
    """Instantiate a hook from its dotted class path."""
    module, _, name = hook_class.rpartition(".")
    hook_type = getattr(importlib.import_module(module), name)
    return hook_type(conn_id)


#: seconds a job trigger holds its first event after the deferral (see AnalyticsJobTrigger; ``[ccanalytics]``)
DEFAULT_MIN_DEFERRAL = float(default_of("min_deferral_seconds"))


class AnalyticsJobTrigger(BaseTrigger):
    """Polls a Genesys details job or a CXone extraction job until it ends.

    Emits ``{"status": "success"|"error", "job_id", "state", "message"}``. The first check comes one
    ``poll_interval`` after the deferral (the operator checked just before deferring), and no event fires
    before ``min_deferral`` seconds after it: Airflow 3.3's scheduler fails a resumed task whose deferring
    worker's exit it has not yet processed ("finished with state success, but the task instance's state
    attribute is queued/running", apache/airflow#67287, #72716). The hold gives it time to.

    :param hook_class: dotted path of the hook class.
    :param conn_id: the connection id.
    :param job_id: the vendor's job id.
    :param poll_interval: seconds between polls.
    :param timeout: seconds after which waiting fails (None: no limit).
    :param started_at: when the task deferred (epoch seconds; default now).
    :param job_type: the registry name of the job type (:func:`~airflow_provider_ccanalytics.core.catalog.job_type`;
        "": the hook's default).
    :param min_deferral: seconds after ``started_at`` before any event fires.
    """

    def __init__(
        self,
        hook_class: str,
        conn_id: str,
        job_id: str,
        poll_interval: float = 30.0,
        timeout: float | None = None,
        started_at: float | None = None,
        job_type: str = "",
        min_deferral: float = DEFAULT_MIN_DEFERRAL,
    ) -> None:
        super().__init__()
        self.hook_class = hook_class
        self.conn_id = conn_id
        self.job_id = job_id
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.started_at = started_at if started_at is not None else time.time()
        self.job_type = job_type
        self.min_deferral = min_deferral

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__name__}",
            {
                "hook_class": self.hook_class,
                "conn_id": self.conn_id,
                "job_id": self.job_id,
                "poll_interval": self.poll_interval,
                "timeout": self.timeout,
                "started_at": self.started_at,
                "job_type": self.job_type,
                "min_deferral": self.min_deferral,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = load_hook(self.hook_class, self.conn_id)
        event = None
        while event is None:
            await asyncio.sleep(self.poll_interval)  # the operator checked the job just before deferring
            event = await self._check(hook)
        hold = self.started_at + self.min_deferral - time.time()
        if hold > 0:
            self.log.info("Job %s ended; reporting in %.0f s (min_deferral)", self.job_id, hold)
            await asyncio.sleep(hold)
        yield event

    async def _check(self, hook: CcAnalyticsHook) -> TriggerEvent | None:
        """The event to emit after one status check, or None while the job runs."""
        try:
            status = await asyncio.to_thread(hook.job_status, self.job_id, self.job_type)
        except CcAnalyticsError as error:
            return TriggerEvent({"status": "error", "job_id": self.job_id, "state": "UNKNOWN", "message": str(error)})
        if status.done:
            return TriggerEvent(
                {
                    "status": "success" if status.succeeded else "error",
                    "job_id": self.job_id,
                    "state": status.state,
                    "message": status.message,
                }
            )
        if self.timeout is not None and time.time() - self.started_at > self.timeout:
            return TriggerEvent(
                {
                    "status": "error",
                    "job_id": self.job_id,
                    "state": status.state,
                    "message": f"still {status.state} after {self.timeout:.0f} s (timeout)",
                }
            )
        self.log.info("Job %s is %s; next check in %.0f s", self.job_id, status.state, self.poll_interval)
        return None


class DataAvailabilityTrigger(BaseTrigger):
    """Waits until a Genesys job family's ``dataAvailabilityDate`` reaches ``until``.

    :param conn_id: the Genesys connection id.
    :param until: ISO instant the availability must reach.
    :param poll_interval: seconds between checks.
    :param job_type: the registry name of the job type whose watermark is read (default: conversation details).
    """

    def __init__(
        self, conn_id: str, until: str, poll_interval: float = 300.0, job_type: str = GENESYS_CONVERSATION_JOBS.name
    ) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.until = until
        self.poll_interval = poll_interval
        self.job_type = job_type

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__name__}",
            {
                "conn_id": self.conn_id,
                "until": self.until,
                "poll_interval": self.poll_interval,
                "job_type": self.job_type,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook

        hook = GenesysCloudHook(self.conn_id)
        family = job_type(self.job_type)
        until = parse_instant(self.until, "until")
        while True:
            try:
                available = await asyncio.to_thread(family.availability, hook.client)
            except CcAnalyticsError as error:
                yield TriggerEvent({"status": "error", "message": str(error)})
                return
            if available is None or available >= until:  # None: the family has no watermark
                yield TriggerEvent({"status": "success", "available": available and available.isoformat()})
                return
            self.log.info("Data available up to %s, waiting for %s", available.isoformat(), self.until)
            await asyncio.sleep(self.poll_interval)


class WaitUntilTrigger(BaseTrigger):
    """Fires at ``moment`` (used to wait out CXone's late-data margin without holding a worker).

    :param moment: ISO instant.
    """

    def __init__(self, moment: str) -> None:
        super().__init__()
        self.moment = moment

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__name__}", {"moment": self.moment})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        target: datetime = parse_instant(self.moment, "moment")
        delay = target.timestamp() - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        yield TriggerEvent({"status": "success", "moment": self.moment})
