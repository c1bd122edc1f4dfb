"""Every example DAG, unpaused in a real scheduler against the sandbox, is green for two catch-up runs.

The examples are copied unchanged into the DAGs folder of a real Airflow (api-server, scheduler, dag-processor,
triggerer, LocalExecutor; the machinery of ``tests/test_real_airflow.py``), paused at creation as a deployment
configured so would have them, then driven only through Airflow's public REST API as a user would:

- catch-up: an example with ``catchup=True`` (the nightly details) catches up by itself once unpaused; its
  first two runs are the sandbox's two days. The others (``catchup=False``) catch up through a backfill of the
  sandbox's two days (two hours for the hourly ones), Airflow 3's way to run past intervals.
- unpaused: every example is unpaused, so the scheduler also creates the run of its latest interval (today,
  where the sandbox has no data): that run must be green too.

``genesys_delegated_access`` is skipped here: its connection needs a person's sign-in through
``ccanalytics-login`` first (covered by ``tests/test_login.py`` and the version matrix's login check).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_ccanalytics.testing import DataSpec, Sandbox, SandboxConfig
from tests.test_real_airflow import (
    READY_DEADLINE,
    RUN_DEADLINE,
    RunningAirflow,
    airflow_env,
    free_port,
    running_airflow,
)

pytestmark = [
    pytest.mark.airflow,
    pytest.mark.skipif(
        not os.environ.get("CCANALYTICS_UNPAUSED_EXAMPLES"),
        reason="opt-in (CCANALYTICS_UNPAUSED_EXAMPLES=1): about 6 min on a busy machine, over 10 with both cores held",
    ),
]

EXAMPLES = Path(__file__).resolve().parent.parent / "example_dags"
#: examples that need a person first, with the reason
NEEDS_SET_UP = {"genesys_delegated_access": "needs an interactive ccanalytics-login before its first run"}
#: examples on hourly schedules (two catch-up runs: two hours), the others are daily (two days)
HOURLY = {"cxone_hourly_completed_contacts", "genesys_hourly_aggregates"}
#: examples with catchup=True: unpausing them is the catch-up
CATCHING_UP = {"genesys_nightly_conversation_details"}
DAYS = ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
HOURS = ("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z")


class Api:
    """Airflow's public REST API (v2) as an admin of the simple auth manager."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        token = requests.get(f"{self.base}/auth/token", timeout=60).json()["access_token"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The answer's JSON; a locked SQLite database (a 503, or a 500 "Database error") is retried."""
        deadline = time.monotonic() + READY_DEADLINE
        while True:
            response = self.session.request(method, f"{self.base}/api/v2/{path}", timeout=60, **kwargs)
            locked = response.status_code == 503 or (response.status_code == 500 and "Database" in response.text)
            if not locked or time.monotonic() > deadline:
                break
            time.sleep(1)
        if response.status_code == 409 and path == "backfills":  # created by an attempt that answered 500
            return {}
        assert response.ok, f"{method} {path}: {response.status_code} {response.text[:2000]}"
        return response.json()

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(self.call("GET", f"dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"])


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningAirflow, Api, list[str]]]:
    root = tmp_path_factory.mktemp("examples_unpaused")
    sandbox = Sandbox(
        SandboxConfig(
            data=DataSpec(conversations=600, contacts=400, end="2026-01-03T00:00:00Z"),
            job_seconds=1,
            extraction_seconds=1,
            extraction_create_interval=0,
            availability_lag=60,  # the run of the latest interval (today's) must not wait for availability
        )
    ).start()
    home, logs, port = root / "home", root / "logs", free_port()
    (home / "dags").mkdir(parents=True)
    logs.mkdir()
    dag_ids = sorted(path.stem for path in EXAMPLES.glob("*.py") if path.stem not in NEEDS_SET_UP)
    for dag_id in dag_ids:
        shutil.copy(EXAMPLES / f"{dag_id}.py", home / "dags")
    genesys = json.dumps(sandbox.genesys_connection())
    env = {
        **airflow_env(home, port),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "CCANALYTICS_OUTPUT": (root / "out").as_uri(),
        "CCANALYTICS_POLL_SECONDS": "1",
        "CCANALYTICS_GENESYS_CONN_IDS": "genesys_org_a,genesys_org_b",
        "AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT": genesys,
        "AIRFLOW_CONN_GENESYS_ORG_A": genesys,
        "AIRFLOW_CONN_GENESYS_ORG_B": genesys,
        "AIRFLOW_CONN_NICE_CXONE_DEFAULT": json.dumps(sandbox.cxone_connection(poll_interval_seconds=1)),
    }
    try:
        with running_airflow(env, logs, port):
            yield RunningAirflow(env, home, logs), Api(port), dag_ids
    finally:
        sandbox.stop()


def wait_parsed(api: Api, airflow: RunningAirflow, dag_ids: list[str]) -> None:
    deadline = time.monotonic() + RUN_DEADLINE
    while (parsed := {dag["dag_id"] for dag in api.call("GET", "dags", params={"limit": 100})["dags"]}) < set(dag_ids):
        assert time.monotonic() < deadline, f"not parsed: {set(dag_ids) - parsed}\n{airflow.tail()}"
        time.sleep(2)


def test_every_example_dag_is_green_for_two_catch_up_runs_when_unpaused(
    examples: tuple[RunningAirflow, Api, list[str]],
) -> None:
    airflow, api, dag_ids = examples
    started = time.monotonic()
    wait_parsed(api, airflow, dag_ids)
    for dag_id in dag_ids:
        if dag_id not in CATCHING_UP:
            first, last = HOURS if dag_id in HOURLY else DAYS
            api.call("POST", "backfills", json={"dag_id": dag_id, "from_date": first, "to_date": last})
        api.call("PATCH", f"dags/{dag_id}", json={"is_paused": False})
    # runs wanted per example: its two catch-up runs (and, for catchup=False, the run of its latest interval)
    wanted = {dag_id: 2 if dag_id in CATCHING_UP else 3 for dag_id in dag_ids}
    deadline = time.monotonic() + RUN_DEADLINE
    done: dict[str, list[dict[str, Any]]] = {}
    while len(done) < len(dag_ids):
        for dag_id in set(dag_ids) - set(done):
            runs = sorted(api.runs(dag_id), key=lambda run: run["logical_date"] or "")[: wanted[dag_id]]
            if len(runs) == wanted[dag_id] and all(run["state"] in ("success", "failed") for run in runs):
                done[dag_id] = runs
                if dag_id in CATCHING_UP:  # it would catch up until today: stop after its two runs
                    api.call("PATCH", f"dags/{dag_id}", json={"is_paused": True})
        assert time.monotonic() < deadline, f"still running after {RUN_DEADLINE:.0f} s: {set(dag_ids) - set(done)}"
        time.sleep(2)
    print(f"{sum(map(len, done.values()))} runs of {len(dag_ids)} examples in {time.monotonic() - started:.0f} s")
    states = {
        dag_id: [(run["run_type"], run["logical_date"], run["state"]) for run in runs] for dag_id, runs in done.items()
    }
    failed = {dag_id: runs for dag_id, runs in states.items() if any(state != "success" for *_, state in runs)}
    assert not failed, f"{json.dumps(failed, indent=1)}\n{airflow.tail()}"
    for dag_id, runs in states.items():
        catch_up = [logical for _, logical, _ in runs if logical and logical < "2026-01-03"]
        assert len(catch_up) == 2, f"{dag_id}: two catch-up runs expected: {runs}"
