"""On each supported Airflow: every example DAG runs against the sandbox (its deferrable jobs complete: dag.test
runs triggers inline) and emits its asset events, the login command starts, a missing connection is a typed
error."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.testing import Sandbox

EXAMPLES = Path(__file__).resolve().parent.parent / "example_dags"
#: examples that need a person first; each is covered elsewhere
NEEDS_SET_UP = {
    "genesys_delegated_access": "needs an interactive ccanalytics-login (see test_the_login_command_starts)"
}
DAY = datetime(2026, 1, 1, tzinfo=timezone.utc)  # the sandbox's day
#: the logical date of the runs that extract it (Airflow 3: the data interval's end for these timetables)
RUN = datetime(2026, 1, 2, tzinfo=timezone.utc)


def load_example(path: Path) -> Any:
    """The example's DAG, loaded from a copy in the dags folder (dag.test() runs DAGs Airflow can serialize)."""
    copy = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"]) / path.name
    for old in copy.parent.glob("*.py"):
        old.unlink()
    shutil.copy(path, copy)
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", copy)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dag


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda path: path.stem)
def test_every_example_dag_runs_against_the_sandbox(
    path: Path,
    airflow_db: Path,
    ccanalytics_connections: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    if path.stem in NEEDS_SET_UP:
        pytest.skip(NEEDS_SET_UP[path.stem])
    sandbox = ccanalytics_connections
    for conn_id in ("genesys_org_a", "genesys_org_b"):  # the many-orgs example's connections
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(sandbox.genesys_connection()))
    monkeypatch.setenv("CCANALYTICS_OUTPUT", tmp_path.as_uri())
    monkeypatch.setenv("CCANALYTICS_POLL_SECONDS", "1")
    dag = load_example(path)
    run = dag.test(logical_date=RUN)
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states and set(states.values()) == {"success"}, states
    manifests = list(tmp_path.rglob("_manifest.json"))
    writers = [task for task in dag.tasks if getattr(task, "destination", None) or "many_orgs" in dag.dag_id]
    assert manifests or not writers, f"{path.stem} wrote nothing"
    for task in dag.tasks:
        for asset in getattr(task, "outlets", None) or []:
            assert_asset_event(asset.uri, sandbox, path.stem)


def assert_asset_event(uri: str, sandbox: Sandbox, example: str) -> None:
    """The run emitted an event for the outlet, listing the day's records (Airflow 3.1: one plain event)."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        events = session.query(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
        extras = [event.extra for event in events.filter(AssetModel.uri == uri).all()]
    assert extras, f"{example}: no asset event for {uri}"
    day = extras[0]["partitions"][DAY.strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert day["record_count"] == len(sandbox.data.conversation_ids_started(DAY.timestamp(), DAY.timestamp() + 86400))


def test_the_login_command_starts_and_a_missing_connection_is_a_typed_error(airflow_db: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "airflow_provider_ccanalytics.login", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    from airflow_provider_ccanalytics.core.errors import ConfigurationError
    from airflow_provider_ccanalytics.login import hook_for

    with pytest.raises(ConfigurationError, match="no connection 'ccanalytics_missing'"):
        hook_for("ccanalytics_missing")
