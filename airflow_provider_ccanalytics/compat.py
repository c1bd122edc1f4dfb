"""Every Airflow name this package uses that is not the same public API on each supported Airflow (3.1-3.3).

Each shim says what it stands in for and where each version keeps it, so an upgrade that moves a name breaks
here, in one place, with a test (``tests/test_compat.py``) instead of at a user's first task:

- :data:`AirflowNotFoundException`: ``airflow.sdk.exceptions`` from Task SDK 1.2 (Airflow 3.2); Airflow 3.1's
  Task SDK lacks it there, and ``airflow.exceptions`` has it on every version.
- :func:`in_task_runtime`: whether this process is a task or triggerer talking to its supervisor (then
  Variables go through the Task SDK, else through the metadata database). No public API says so; the Task SDK's
  own ``SUPERVISOR_COMMS`` (private) is the sign every version sets.
- :func:`task_state_store`: the task's state store (``context["task_state_store"]``), new in Airflow 3.3
  (Task SDK 1.3); None on 3.1 and 3.2 and outside a task.
- :func:`get_variable`, :func:`set_variable`: an Airflow Variable read or written through the Task SDK inside a
  task or the triggerer, else through the metadata database (``airflow.models.variable``), which a task on
  Airflow 3 may not reach directly.
- :func:`secrets_backend_names`: the secrets backends a connection is looked up in, for an error message; from
  the Task SDK's private ``ensure_secrets_backend_loaded``, with Airflow's documented default order when absent.
"""

from __future__ import annotations

from typing import Any

try:  # Airflow 3.2+
    from airflow.sdk.exceptions import AirflowNotFoundException
except ImportError:  # Airflow 3.1
    from airflow.exceptions import AirflowNotFoundException  # type: ignore[no-redef,attr-defined,unused-ignore]

#: the lookup order Airflow documents when no other secrets backend is configured
DEFAULT_SECRETS_BACKENDS = ("EnvironmentVariablesBackend", "MetastoreBackend")

__all__ = [
    "DEFAULT_SECRETS_BACKENDS",
    "AirflowNotFoundException",
    "get_variable",
    "in_task_runtime",
    "secrets_backend_names",
    "set_variable",
    "task_state_store",
]


def in_task_runtime() -> bool:
    """Whether this process runs under a Task SDK supervisor (a task or the triggerer)."""
    try:
        from airflow.sdk.execution_time import task_runner
    except ImportError:  # pragma: no cover - an Airflow without the Task SDK
        return False
    return getattr(task_runner, "SUPERVISOR_COMMS", None) is not None


def secrets_backend_names() -> list[str]:
    """The class names of the secrets backends Airflow searches for a connection, in order."""
    try:
        from airflow.sdk.execution_time.supervisor import ensure_secrets_backend_loaded

        return [type(backend).__name__ for backend in ensure_secrets_backend_loaded()]
    except Exception:  # an Airflow without this internal helper: what it searches by default
        return list(DEFAULT_SECRETS_BACKENDS)


def task_state_store() -> Any:
    """The running task's state store (get/set/delete of JSON values across its tries), or None without one."""
    try:
        from airflow.sdk import get_current_context

        return get_current_context().get("task_state_store")
    except Exception:  # outside a task (no context), or an Airflow without the Task SDK's context
        return None


def get_variable(name: str) -> str | None:
    """The Variable ``name``'s value, or None when it does not exist.

    :param name: the Variable's key.
    """
    if in_task_runtime():
        from airflow.sdk import Variable

        value = Variable.get(name, default=None)
    else:
        from airflow.models.variable import Variable as StoredVariable

        value = StoredVariable.get(name, default_var=None)
    return None if value is None else str(value)


def set_variable(name: str, value: str, description: str) -> None:
    """Write the Variable ``name`` (created or replaced).

    :param name: the Variable's key.
    :param value: its value (text).
    :param description: what writes it, shown in Airflow's UI.
    """
    if in_task_runtime():
        from airflow.sdk import Variable

        Variable.set(name, value, description=description)
    else:
        from airflow.models.variable import Variable as StoredVariable

        StoredVariable.set(name, value, description=description)
