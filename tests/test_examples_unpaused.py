"""Every example DAG, unpaused in a real scheduler against the sandbox, is green for two catch-up runs.

The examples are copied unchanged into the DAGs folder of a real Airflow (api-server, scheduler, dag-processor,
triggerer, LocalExecutor; the machinery of ``tests/test_real_airflow.py``), paused at creation as a deployment
configured so would have them, then driven only through Airflow's public REST API as a user would:

- catch-up: an example with ``catchup=True`` (the nightly details) catches up by itself once unpaused; its
  first two runs are the sandbox's two days. The others (``catchup=False``) catch up through a backfill of the
  sandbox's two days (two hours for the hourly ones), Airflow 3's way to run past intervals.
- unpaused: every example is unpaused, so the scheduler also creates the run of its latest interval (today,
  where the sandbox has no data): that run must be green too (or, for CXone, waiting out its margin: below).

``genesys_delegated_access`` is skipped here: its connection needs a person's sign-in through
``ccanalytics-login`` first (covered by ``tests/test_login.py`` and the version matrix's login check).

Examples are found in ``example_dags/`` and classified through the API (``catchup``, hourly or daily
schedule), so a new example is picked up as it is. Cost (a busy 2-core machine): the sandbox's remote jobs end
at once (``job_seconds=0``: a job operator collects at its first status check, the path of jobs shorter than a
poll; deferral under a real scheduler is ``tests/test_real_airflow.py``'s), which takes the 30 s deferral hold
off the serial runs of the ``max_active_runs=1`` job examples; four executor slots. The run of the latest
interval of a CXone example may still be waiting out the late-data margin (30 min after its window's end, by
the wall clock): deferred there counts as green, as it is what the example is meant to do.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
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

pytestmark = pytest.mark.airflow

EXAMPLES = Path(__file__).resolve().parent.parent / "example_dags"
#: examples that need a person first, with the reason
NEEDS_SET_UP = {"genesys_delegated_access": "needs an interactive ccanalytics-login before its first run"}
DAYS = ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
HOURS = ("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z")
#: the CXone operators' default late-data margin: the latest interval's run may wait this long after its end
LATE_DATA_MARGIN = timedelta(minutes=30)


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
            job_seconds=0,  # jobs end at the first status check: no deferral hold (see the module's docstring)
            extraction_seconds=0,
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
        "AIRFLOW__CORE__PARALLELISM": "4",
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


def schedule_of(api: Api, dag_id: str) -> tuple[bool, bool]:
    """``(catchup, hourly)`` of an example, from the API (a cron ``0 * * * *`` schedule is hourly)."""
    details = api.call("GET", f"dags/{dag_id}/details")
    summary = str(details.get("timetable_summary") or "")
    fields = summary.split()
    hourly = (len(fields) >= 5 and fields[1] == "*") or summary in ("@hourly", "1:00:00")
    return bool(details["catchup"]), hourly


def waiting_out_the_margin(api: Api, dag_id: str, run: dict[str, Any]) -> bool:
    """The latest interval's run of a CXone example, deferred until the late-data margin after its window."""
    end = run.get("data_interval_end")
    if run["state"] != "running" or not end:
        return False
    if datetime.now(timezone.utc) > datetime.fromisoformat(end.replace("Z", "+00:00")) + LATE_DATA_MARGIN:
        return False
    tasks = api.call("GET", f"dags/{dag_id}/dagRuns/{run['dag_run_id']}/taskInstances")["task_instances"]
    return bool(tasks) and all(task["state"] in ("success", "deferred") for task in tasks)


def test_every_example_dag_is_green_for_two_catch_up_runs_when_unpaused(
    examples: tuple[RunningAirflow, Api, list[str]],
) -> None:
    airflow, api, dag_ids = examples
    started = time.monotonic()
    wait_parsed(api, airflow, dag_ids)
    schedules = {dag_id: schedule_of(api, dag_id) for dag_id in dag_ids}
    print(f"examples (catchup, hourly): {schedules}")
    for dag_id in dag_ids:
        catchup, hourly = schedules[dag_id]
        if not catchup:
            first, last = HOURS if hourly else DAYS
            api.call("POST", "backfills", json={"dag_id": dag_id, "from_date": first, "to_date": last})
        api.call("PATCH", f"dags/{dag_id}", json={"is_paused": False})
    # runs wanted per example: its two catch-up runs (and, for catchup=False, the run of its latest interval)
    wanted = {dag_id: 2 if schedules[dag_id][0] else 3 for dag_id in dag_ids}
    deadline = time.monotonic() + RUN_DEADLINE
    done: dict[str, list[dict[str, Any]]] = {}
    latest: dict[str, list[dict[str, Any]]] = {}
    while len(done) < len(dag_ids):
        for dag_id in set(dag_ids) - set(done):
            runs = sorted(api.runs(dag_id), key=lambda run: run["logical_date"] or "")[: wanted[dag_id]]
            latest[dag_id] = runs
            # every run ended, or the last (the latest interval's) is waiting out a late-data margin
            ended = (
                len(runs) == wanted[dag_id]
                and all(run["state"] in ("success", "failed") for run in runs[:-1])
                and (runs[-1]["state"] in ("success", "failed") or waiting_out_the_margin(api, dag_id, runs[-1]))
            )
            if ended:
                done[dag_id] = runs
                if schedules[dag_id][0]:  # it would catch up until today: stop after its two runs
                    api.call("PATCH", f"dags/{dag_id}", json={"is_paused": True})
        if time.monotonic() > deadline:
            states = {
                dag_id: [(run["run_type"], run["logical_date"], run["state"]) for run in latest.get(dag_id, [])]
                for dag_id in set(dag_ids) - set(done)
            }
            raise AssertionError(f"still running after {RUN_DEADLINE:.0f} s: {states}\n{airflow.tail()}")
        time.sleep(2)
    print(f"{sum(map(len, done.values()))} runs of {len(dag_ids)} examples in {time.monotonic() - started:.0f} s")
    states = {
        dag_id: [(run["run_type"], run["logical_date"], run["state"]) for run in runs] for dag_id, runs in done.items()
    }
    failed = {
        dag_id: runs
        for dag_id, runs in states.items()
        if any(state not in ("success", "running") for *_, state in runs)
    }
    assert not failed, f"{json.dumps(failed, indent=1)}\n{airflow.tail()}"
    for dag_id, runs in states.items():
        catch_up = [(logical, state) for _, logical, state in runs if logical and logical < "2026-01-03"]
        assert [state for _, state in catch_up] == ["success", "success"], f"{dag_id}: two green catch-up runs: {runs}"


class _Answers(Api):
    """An :class:`Api` answering from a table (no Airflow): for the margin rule's test."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.answers[path]


def test_only_a_run_deferred_inside_the_late_data_margin_counts_as_waiting() -> None:
    now = datetime.now(timezone.utc)
    tasks = "dags/cxone/dagRuns/scheduled__x/taskInstances"
    api = _Answers({tasks: {"task_instances": [{"state": "deferred"}]}})

    def run(state: str, ended_ago: timedelta) -> dict[str, Any]:
        end = (now - ended_ago).isoformat().replace("+00:00", "Z")
        return {"state": state, "data_interval_end": end, "dag_run_id": "scheduled__x"}

    assert waiting_out_the_margin(api, "cxone", run("running", timedelta(minutes=10)))
    assert not waiting_out_the_margin(api, "cxone", run("running", timedelta(minutes=31)))  # past the margin
    assert not waiting_out_the_margin(api, "cxone", run("queued", timedelta(minutes=10)))
    api.answers[tasks] = {"task_instances": [{"state": "running"}]}  # working, not waiting
    assert not waiting_out_the_margin(api, "cxone", run("running", timedelta(minutes=10)))
