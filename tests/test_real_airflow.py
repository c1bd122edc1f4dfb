"""The deferrable operators under a real scheduler, LocalExecutor workers and triggerer (airflow standalone).

Separate processes submit the job (a worker), poll it (the triggerer) and collect it (another
worker); they share OAuth tokens per connection through the Variable token store.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from airflow_provider_ccanalytics.testing import DataSpec, Sandbox

pytestmark = pytest.mark.airflow

DAG_FILE = """
from datetime import datetime, timedelta, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.cxone import CxoneDataExtractionOperator
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsJobOperator

with DAG("real_airflow", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    GenesysConversationDetailsJobOperator(task_id="genesys_job", output="{out}", deferrable=True, poll_interval=1)
    CxoneDataExtractionOperator(task_id="cxone_job", output="{out}", deferrable=True, poll_interval=1,
                                late_data_margin=0)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def standalone(tmp_path: Path, sandbox_factory: Callable[..., Sandbox]) -> Iterator[tuple[dict[str, str], Sandbox]]:
    sandbox = sandbox_factory(
        DataSpec(conversations=5000, contacts=3000), job_seconds=3, extraction_seconds=3, extraction_create_interval=1
    )
    home, port = tmp_path / "home", free_port()
    (home / "dags").mkdir(parents=True)
    (home / "dags" / "real_airflow.py").write_text(textwrap.dedent(DAG_FILE.format(out=(tmp_path / "out").as_uri())))
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
        "AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT": json.dumps(sandbox.genesys_connection()),
        "AIRFLOW_CONN_NICE_CXONE_DEFAULT": json.dumps(sandbox.cxone_connection()),
    }
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
    log = (tmp_path / "standalone.log").open("wb")
    server = subprocess.Popen(
        [shutil.which("airflow", path=env["PATH"]) or "airflow", "standalone"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield env, sandbox
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):  # LocalExecutor workers can outlive SIGTERM
            try:
                os.killpg(server.pid, sig)
            except ProcessLookupError:
                break
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                continue
        log.close()


def airflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "airflow", *args], env=env, capture_output=True, text=True)


def test_a_backfill_of_deferrable_jobs_completes_under_a_real_scheduler_and_triggerer_sharing_tokens(
    standalone: tuple[dict[str, str], Sandbox], tmp_path: Path
) -> None:
    env, sandbox = standalone
    deadline = time.monotonic() + 180
    backfill = (
        "backfill",
        "create",
        "--dag-id",
        "real_airflow",
        "--from-date",
        "2026-01-01",
        "--to-date",
        "2026-01-01",
    )
    while airflow(env, *backfill).returncode:
        assert time.monotonic() < deadline, "the DAG was never parsed, so no backfill could be created"
        time.sleep(2)
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        with sqlite3.connect(Path(env["AIRFLOW_HOME"]) / "airflow.db") as db:  # run states, as the UI shows them
            states = dict(db.execute("SELECT run_type, state FROM dag_run WHERE dag_id = 'real_airflow'").fetchall())
        if states.get("backfill") and all(state in ("success", "failed") for state in states.values()):
            break
        time.sleep(2)
    # the backfill of 2026-01-01, and the scheduler's own run for yesterday, side by side
    assert states == {"backfill": "success", "scheduled": "success"}, (tmp_path / "standalone.log").read_text()[-5000:]
    day = "interval_start=2026-01-01T00:00:00Z"
    with gzip.open(tmp_path / "out" / "genesys" / "conversation_details" / day / "part-00000.jsonl.gz", "rt") as f:
        conversations = [json.loads(line)["conversationId"] for line in f]
    assert conversations == sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
    manifest = json.loads((tmp_path / "out" / "cxone" / "data_extraction" / day / "_manifest.json").read_text())
    assert manifest["record_count"] == 3000
    assert sandbox.count("GET genesys jobs status") >= 1 and sandbox.count("GET cxone extraction status") >= 1
    # Two runs, each: submit (a worker), poll (the triggerer), collect (another worker): six process uses per
    # connection. The two runs start at once with an empty store, so each may fetch one token (Variables have no
    # cross-process lock); every later process reuses a stored token.
    assert 1 <= sandbox.count("tokens issued genesys") <= 2
    assert 1 <= sandbox.count("tokens issued cxone") <= 2
    assert sandbox.count("GET genesys jobs status") >= 2 and sandbox.count("GET genesys jobs results") >= 1
