"""Remote-job families, one :class:`JobType` object each: submit, status (normalised), results, cancel, availability.

Genesys conversation details jobs, Genesys users details jobs, CXone Data Extraction jobs and CXone report jobs
share one lifecycle; the operators, hooks and triggers hold a job type (triggers its registry name, so they stay
serialisable) instead of a kind string. The vendor calls stay in the vendor clients; a job type says which ones
a family uses and what its states mean. Each vendor package declares its families (``genesys/jobs.py``,
``cxone/jobs.py``); the registry (:func:`airflow_provider_ccanalytics.core.catalog.job_type`) finds them by name.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow_provider_ccanalytics.core.errors import JobFailedError
from airflow_provider_ccanalytics.core.partitions import Window

log = logging.getLogger("airflow_provider_ccanalytics")


@dataclass(frozen=True)
class JobStatus:
    """A remote job's state in vendor-neutral terms.

    :param state: the vendor's state string (normalised: Genesys upper case, CXone per :func:`normal_state`).
    :param done: whether the job reached a final state.
    :param succeeded: whether that final state is success.
    :param message: the vendor's error message, if any.
    """

    state: str
    done: bool
    succeeded: bool
    message: str = ""

    @classmethod
    def of(cls, state: str, success: frozenset[str], failure: frozenset[str], message: str = "") -> JobStatus:
        """The status of a job in ``state``, given the vendor's final success and failure states."""
        return cls(state, state in success or state in failure, state in success, message)


class JobType:
    """One remote-job family. ``client`` is the vendor's client (:class:`GenesysClient`, :class:`CxoneClient`).

    :cvar name: the registry name (``vendor.family``), what triggers serialise.
    :cvar vendor: ``genesys`` or ``cxone``.
    """

    name = ""
    vendor = ""

    def submit(self, client: Any, window: Window, **spec: Any) -> str:
        """Start a job for ``window``; returns its id. ``spec``: the family's arguments (filters, entity...)."""
        raise NotImplementedError

    def status(self, client: Any, job_id: str) -> JobStatus:
        raise NotImplementedError

    def results(self, client: Any, job_id: str, window: Window, **spec: Any) -> Iterator[dict[str, Any]]:
        """The finished job's records."""
        raise NotImplementedError

    def cancel(self, client: Any, job_id: str) -> None:
        raise NotImplementedError

    def availability(self, client: Any) -> datetime | None:
        """The instant up to which this family's jobs see complete data (None: the vendor publishes none)."""
        return None

    def wait(self, client: Any, job_id: str, poll_interval: float = 15.0, timeout: float | None = None) -> None:
        """Poll until the job succeeds, in this process; raises JobFailedError when it fails or times out."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self.status(client, job_id)
            if status.done:
                if not status.succeeded:
                    raise JobFailedError(job_id, status.state, status.message)
                return
            if deadline is not None and time.monotonic() > deadline:
                raise JobFailedError(job_id, status.state, f"timed out after {timeout:.0f} s")
            log.info("Job %s is %s; next check in %.0f s", job_id, status.state, poll_interval)
            time.sleep(poll_interval)
