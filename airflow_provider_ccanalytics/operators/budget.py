"""A request budget per run (``max_requests=``): the most HTTP requests one task may send, and its checkpoint.

The rule: every HTTP request the task's connection sends counts, at the one request path
(:meth:`~airflow_provider_ccanalytics.core.http.stats.TransportStats.count_request`): API pages, each retry of a
failed attempt, token requests, the organization lookup and pre-signed downloads. With ``max_requests=B`` the
task sends at most B requests (exactly B when it stops on the budget; a request the budget refuses is never
sent). Then the operator ends the task SUCCESSFULLY with a checkpoint saying where it stopped, and logs how far it
got; the next run goes on from there.

The checkpoint is an Airflow Variable shared by every worker (``ccanalytics_budget_<dag_id>.<task_id>``, JSON;
see :class:`Checkpoint`), as the CXone watermark is (``operators/cxone_changes.py``): never a process global. What
an operator records in it, and how it resumes, is its own (transcripts: the windows not finished, each resumed
from its stored partition; endpoint operators: the partition they stopped in, which the next run extracts anew).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from airflow_provider_ccanalytics.compat import get_variable, set_variable
from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.http import HttpTransport
from airflow_provider_ccanalytics.core.partitions import iso_z

#: the description Airflow shows beside the Variables this module writes
_DESCRIPTION = "request-budget checkpoint of airflow-provider-ccanalytics (max_requests; see the README)"

log = logging.getLogger("airflow_provider_ccanalytics")

#: the Variable name prefix of the checkpoints (``ccanalytics_budget_<dag_id>.<task_id>``)
CHECKPOINT_PREFIX = "ccanalytics_budget_"


def check_max_requests(value: Any) -> int | None:
    """``max_requests`` as a positive int, or None (no budget).

    :raises ConfigurationError: for anything else.
    """
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or (isinstance(value, float) and value != number):
        raise ConfigurationError("max_requests", f"must be a positive number of HTTP requests, got {value!r}")
    return number


@contextmanager
def request_budget(transport: HttpTransport, max_requests: int | None) -> Iterator[None]:
    """Let ``transport`` send at most ``max_requests`` more requests inside the block (None: no limit).

    The limit is on the transport's counters (every request of the connection counts, whichever thread sends
    it); past it a request raises :class:`~airflow_provider_ccanalytics.core.errors.RequestBudgetExhausted`
    unsent. The limit is lifted when the block ends.

    :param transport: the connection's transport (``hook.transport``).
    :param max_requests: the budget.
    """
    if max_requests is None:
        yield
        return
    stats = transport.stats
    stats.request_limit, stats.request_budget = stats.requests + max_requests, max_requests
    try:
        yield
    finally:
        stats.request_limit = None


def spent(transport: HttpTransport, before: int) -> int:
    """The requests ``transport`` sent since its counter read ``before``."""
    return transport.stats.requests - before


class Checkpoint:
    """Where a budgeted task stopped: a JSON Variable every worker shares.

    :param name: the Variable (default for a task: :func:`checkpoint_variable`).
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def load(self) -> dict[str, Any]:
        """The stored checkpoint ({} when none)."""
        raw = get_variable(self.name)
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError as error:
            raise ConfigurationError(
                "checkpoint_variable", f"Variable {self.name} is not a checkpoint ({error}): delete it to start over"
            ) from error
        if not isinstance(value, dict):
            raise ConfigurationError("checkpoint_variable", f"Variable {self.name} is not a JSON object: delete it")
        return value

    def save(self, **fields: Any) -> dict[str, Any]:
        """Store ``fields`` (plus ``saved_at``) as the checkpoint; returns what was stored."""
        record = {**fields, "saved_at": iso_z(datetime.now(timezone.utc))}
        set_variable(self.name, json.dumps(record, sort_keys=True), _DESCRIPTION)
        return record


def checkpoint_variable(context: Any, task_id: str) -> str:
    """``ccanalytics_budget_<dag_id>.<task_id>``: the default checkpoint Variable of a task.

    :param context: the task's context (its ``dag``; ``adhoc`` outside a DAG).
    :param task_id: the task.
    """
    dag = (context or {}).get("dag")
    dag_id = getattr(dag, "dag_id", None) or "adhoc"
    return f"{CHECKPOINT_PREFIX}{dag_id}.{task_id}"
