"""The vocabulary a vendor package declares its datasets with: :class:`Endpoint` and :class:`JobType`.

An :class:`Endpoint` is one vendor route declared as data (path, paging, records key, partitioning, typed
columns), read by the generic operators through :func:`iter_endpoint`; a :class:`JobType` is one remote-job
family (submit, status, results, cancel, availability). Declarations live in the vendor packages; the
registry that finds them by name is :mod:`airflow_provider_ccanalytics.core.catalog`.

May import: the foundation, ``core.http``, ``core.partitions`` and ``core.records``."""

from __future__ import annotations

from airflow_provider_ccanalytics.core.datasets.endpoint import PARTITION_KINDS, Endpoint, iter_endpoint
from airflow_provider_ccanalytics.core.datasets.jobs import JobStatus, JobType

__all__ = ["PARTITION_KINDS", "Endpoint", "JobStatus", "JobType", "iter_endpoint"]
