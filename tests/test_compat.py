"""The one module of Airflow names that differ across supported versions works on the Airflow installed here."""

from __future__ import annotations

import pytest

from airflow_provider_ccanalytics import compat


def test_a_missing_connection_raises_the_exception_compat_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk import BaseHook

    monkeypatch.delenv("AIRFLOW_CONN_CCANALYTICS_NO_SUCH_CONN", raising=False)
    with pytest.raises(compat.AirflowNotFoundException):
        BaseHook.get_connection("ccanalytics_no_such_conn")


def test_a_test_process_is_not_a_task_runtime() -> None:
    assert compat.in_task_runtime() is False


def test_the_secrets_backends_are_named_in_lookup_order() -> None:
    """In a task the Task SDK searches the environment first (then the API server, which it does not list)."""
    names = compat.secrets_backend_names()
    assert names and names[0] == "EnvironmentVariablesBackend", names


def test_a_variable_written_outside_a_task_reads_back_and_a_missing_one_is_none(airflow_db: object) -> None:
    from airflow.models.variable import Variable as StoredVariable

    assert compat.get_variable("ccanalytics_compat_probe_missing") is None
    compat.set_variable("ccanalytics_compat_probe", '{"a": 1}', "compat test")
    assert compat.get_variable("ccanalytics_compat_probe") == '{"a": 1}'
    assert StoredVariable.get("ccanalytics_compat_probe") == '{"a": 1}'
