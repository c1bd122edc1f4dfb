"""The deferrable operators under a real scheduler, LocalExecutor workers, dag-processor and triggerer.

Separate processes submit a job (a worker), poll it (the triggerer) and collect it (another worker);
they share OAuth tokens per connection through the Variable token store. The components are started
one by one, each in its own process group, and waited for through the api-server's health endpoint with
generous deadlines, so the tests hold on a busy 2-core machine; they are stopped by process group.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_ccanalytics.testing import DataSpec, Sandbox, SandboxConfig
from airflow_provider_ccanalytics.triggers.jobs import DEFAULT_MIN_DEFERRAL
from tests.conftest import partition_dir

pytestmark = pytest.mark.airflow

READY_DEADLINE = 300.0  # seconds for the api-server, then scheduler, dag-processor and triggerer to report healthy
RUN_DEADLINE = 600.0  # seconds for a backfill's runs to finish

DAG_HEAD = """
from datetime import datetime, timedelta, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.cxone import CxoneDataExtractionOperator, CxoneReportJobOperator
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsJobOperator

# retries absorb a worker lost to an overloaded machine; tests that must see one attempt check the sandbox
DEFAULTS = {{"retries": 2, "retry_delay": timedelta(seconds=5)}}
ENTITY = dict(entity_name="recording-interaction-metadata", version="7")
"""

DEFERRING_DAG = """
with DAG("real_airflow", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"), default_args=DEFAULTS,
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    GenesysConversationDetailsJobOperator(task_id="genesys_job", output="{out}", deferrable=True, poll_interval=1)
    CxoneDataExtractionOperator(task_id="cxone_job", output="{out}", deferrable=True, poll_interval=1,
                                late_data_margin=0, **ENTITY)
"""

# jobs waited for in place (not deferred), run once by hand for a fixed day: the test kills their workers
RESUMABLE_DAG = """
DAY = dict(start="2026-01-01T00:00:00Z", end="2026-01-02T00:00:00Z", output="{out}")
RETRY = {{"retries": 1, "retry_delay": timedelta(seconds=1)}}
with DAG("resumable_jobs", schedule=None, start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False,
         default_args=RETRY) as dag:
    GenesysConversationDetailsJobOperator(task_id="genesys_job", deferrable=False, poll_interval=1,
                                          genesys_cloud_conn_id="genesys_resumable", **DAY)
    CxoneDataExtractionOperator(task_id="cxone_job", deferrable=False, poll_interval=1, late_data_margin=0,
                                nice_cxone_conn_id="cxone_resumable", **ENTITY, **DAY)
"""

# one run writes a day of hourly partitions (24 partitioned asset events); the roll-up (the README's) runs once
ROLLUP_DAGS = """
from airflow.partition_mappers.base import RollupMapper
from airflow.partition_mappers.identity import IdentityMapper
from airflow.partition_mappers.product import ProductMapper
from airflow.partition_mappers.temporal import StartOfDayMapper
from airflow.partition_mappers.window import DayWindow
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import Asset, PartitionedAssetTimetable
from airflow_provider_ccanalytics.core.partitions import PARTITION_KEY_FORMAT
from airflow_provider_ccanalytics.operators.cxone import CxoneCompletedContactsOperator

hourly = Asset("{out}/cxone/completed_contacts")
by_org = Asset("{out}/by_org/cxone/completed_contacts")  # the same partitions, under composite org|interval keys
with DAG("hourly_contacts", schedule=None, start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False):
    CxoneCompletedContactsOperator(task_id="contacts", start="2026-01-01T00:00:00Z", end="2026-01-02T00:00:00Z",
                                   grain="hour", lookback=None, late_data_margin=0, output="{out}", outlets=[hourly],
                                   nice_cxone_conn_id="cxone_resumable")
    CxoneCompletedContactsOperator(task_id="contacts_by_org", start="2026-01-01T00:00:00Z",
                                   end="2026-01-02T00:00:00Z", grain="hour", lookback=None, late_data_margin=0,
                                   output="{out}/by_org", outlets=[by_org], partition_key="org|interval",
                                   nice_cxone_conn_id="cxone_resumable")
daily_rollup = RollupMapper(upstream_mapper=StartOfDayMapper(input_format=PARTITION_KEY_FORMAT), window=DayWindow())
with DAG("contacts_by_day", schedule=PartitionedAssetTimetable(assets=hourly, default_partition_mapper=daily_rollup),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False):
    EmptyOperator(task_id="roll_up")
by_org_and_day = ProductMapper(IdentityMapper(), StartOfDayMapper(input_format=PARTITION_KEY_FORMAT))
with DAG("contacts_by_org_and_day",
         schedule=PartitionedAssetTimetable(assets=by_org, default_partition_mapper=by_org_and_day),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False):
    EmptyOperator(task_id="load")
"""

INSTANT_DAG = """
with DAG("instant_jobs", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"), default_args=DEFAULTS,
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False, max_active_runs=2) as dag:
    GenesysConversationDetailsJobOperator(task_id="genesys_job", output="{out}", deferrable=True, poll_interval=5,
                                          genesys_cloud_conn_id="genesys_instant")
    CxoneDataExtractionOperator(task_id="cxone_extraction", output="{out}", deferrable=True, poll_interval=5,
                                late_data_margin=0, nice_cxone_conn_id="cxone_instant", **ENTITY)
    CxoneReportJobOperator(task_id="cxone_report", output="{out}", deferrable=True, poll_interval=5,
                           late_data_margin=0, nice_cxone_conn_id="cxone_instant", report_id="{report}")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningAirflow:
    """A running Airflow (api-server, scheduler, dag-processor, triggerer): its CLI, database and logs."""

    env: dict[str, str]
    home: Path
    logs: Path

    def tail(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in self.logs.glob("*.log")
        )

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.home / "airflow.db", timeout=60) as db:
            return db.execute(sql, params).fetchall()

    def airflow(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "airflow", *args], env=self.env, capture_output=True, text=True)

    def backfill(self, dag_id: str, first: str, last: str) -> None:
        """Create a backfill once the DAG is parsed (retried until then)."""
        deadline = time.monotonic() + READY_DEADLINE
        args = ("backfill", "create", "--dag-id", dag_id, "--from-date", first, "--to-date", last)
        while (done := self.airflow(*args)).returncode:
            assert time.monotonic() < deadline, f"no backfill of {dag_id}: {done.stderr[-2000:]}\n{self.tail()}"
            time.sleep(1)

    def wait_for_runs(self, dag_id: str, backfill_runs: int) -> list[tuple[str, str, str]]:
        """(run_type, logical_date, state) of the DAG's runs once the backfill's runs and all others ended."""
        deadline = time.monotonic() + RUN_DEADLINE
        while True:
            runs = self.query("SELECT run_type, logical_date, state FROM dag_run WHERE dag_id = ?", dag_id)
            backfills = [run for run in runs if run[0] == "backfill"]
            if len(backfills) >= backfill_runs and all(run[2] in ("success", "failed") for run in runs):
                return sorted(runs)
            assert time.monotonic() < deadline, f"runs still going after {RUN_DEADLINE:.0f} s: {runs}\n{self.tail()}"
            time.sleep(1)


@dataclass
class Cluster(RunningAirflow):
    """This module's Airflow and the sandboxes its DAGs use."""

    out: Path
    deferring: Sandbox
    instant: Sandbox
    resumable: Sandbox
    port: int


def _wait_healthy(port: int, components: tuple[str, ...], processes: dict[str, subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + READY_DEADLINE
    health: dict[str, Any] = {}
    while time.monotonic() < deadline:
        for name, process in processes.items():
            assert process.poll() is None, f"airflow {name} exited with {process.returncode}"
        try:
            health = requests.get(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=30).json()
        except (requests.RequestException, ValueError):
            health = {}
        if health and all((health.get(part) or {}).get("status") == "healthy" for part in components):
            return
        time.sleep(1)
    raise AssertionError(f"Airflow not healthy after {READY_DEADLINE:.0f} s: {health}")


def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM every component's process group at once, then SIGKILL what is left after 10 s (the scheduler's
    LocalExecutor workers often outlive SIGTERM: the wait was 30 s of each module's teardown)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):  # LocalExecutor workers can outlive SIGTERM
        for process in processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
        deadline = time.monotonic() + 10
        for process in processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("real_airflow")
    deferring = Sandbox(
        SandboxConfig(
            data=DataSpec(conversations=5000, contacts=3000),
            job_seconds=3,
            extraction_seconds=3,
            extraction_create_interval=1,
            availability_lag=60,  # the scheduler's own run (yesterday) must not wait for data availability
        )
    ).start()
    four_days = DataSpec(conversations=4000, contacts=2000, end="2026-01-05T00:00:00Z")
    # jobs that have ended by the first status check (a job latency of 0)
    instant = Sandbox(
        SandboxConfig(
            data=four_days, job_seconds=0, extraction_seconds=0, extraction_create_interval=0, availability_lag=60
        )
    ).start()
    # jobs that run long enough for a worker to be killed while it waits for them
    resumable = Sandbox(
        SandboxConfig(
            data=DataSpec(conversations=2000, contacts=1000),
            job_seconds=40,
            extraction_seconds=40,
            extraction_create_interval=0,
            availability_lag=60,
        )
    ).start()
    home, out, logs, port = root / "home", root / "out", root / "logs", free_port()
    (home / "dags").mkdir(parents=True)
    logs.mkdir()
    (home / "dags" / "real_airflow.py").write_text(
        textwrap.dedent(DAG_HEAD.format() + DEFERRING_DAG.format(out=out.as_uri()))
    )
    (home / "dags" / "instant_jobs.py").write_text(
        textwrap.dedent(
            DAG_HEAD.format() + INSTANT_DAG.format(out=(root / "instant").as_uri(), report=instant.REPORT_ID)
        )
    )
    (home / "dags" / "resumable_jobs.py").write_text(
        textwrap.dedent(DAG_HEAD.format() + RESUMABLE_DAG.format(out=(root / "resumable").as_uri()))
    )
    (home / "dags" / "rollup.py").write_text(
        textwrap.dedent(DAG_HEAD.format() + ROLLUP_DAGS.format(out=(root / "rollup").as_uri()))
    )
    env = {
        **airflow_env(home, port),
        "AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT": json.dumps(deferring.genesys_connection()),
        "AIRFLOW_CONN_NICE_CXONE_DEFAULT": json.dumps(deferring.cxone_connection(poll_interval_seconds=1)),
        "AIRFLOW_CONN_GENESYS_INSTANT": json.dumps(instant.genesys_connection()),
        "AIRFLOW_CONN_CXONE_INSTANT": json.dumps(instant.cxone_connection(poll_interval_seconds=1)),
        "AIRFLOW_CONN_GENESYS_RESUMABLE": json.dumps(resumable.genesys_connection()),
        "AIRFLOW_CONN_CXONE_RESUMABLE": json.dumps(resumable.cxone_connection(poll_interval_seconds=1)),
    }
    try:
        with running_airflow(env, logs, port):
            yield Cluster(env, home, logs, out, deferring, instant, resumable, port)
    finally:
        deferring.stop()
        instant.stop()
        resumable.stop()


def airflow_env(home: Path, port: int) -> dict[str, str]:
    """The environment of an Airflow home's components: SQLite, LocalExecutor, few workers, patient timeouts.

    :param home: the AIRFLOW_HOME (its ``dags`` folder is the DAGs folder).
    :param port: the api-server's port.
    """
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__PARALLELISM": "3",  # LocalExecutor worker processes: few, on a 2-core machine
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "180",
        "AIRFLOW__DAG_PROCESSOR__DAG_FILE_PROCESSOR_TIMEOUT": "240",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__API__PORT": str(port),
        # the log servers of workers and triggerer default to fixed ports (8793, 8794): ephemeral ones instead
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__API__WORKER_TIMEOUT": "600",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        # a slow api-server must not make workers give up: longer timeouts, more retries and missed heartbeats
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
        "AIRFLOW__WORKERS__EXECUTION_API_RETRIES": "10",
        "AIRFLOW__WORKERS__MAX_FAILED_HEARTBEATS": "20",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "900",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": "120",
        "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
        "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "120",
        "AIRFLOW__DAG_PROCESSOR__HEALTH_CHECK_THRESHOLD": "120",
    }
    # the production hold before a deferred job task resumes (conftest turns it off for dag.test())
    env.pop("AIRFLOW__CCANALYTICS__MIN_DEFERRAL_SECONDS", None)
    return env


@contextlib.contextmanager
def running_airflow(env: dict[str, str], logs: Path, port: int) -> Iterator[None]:
    """Migrate the database, start api-server, dag-processor, triggerer and scheduler; wait until healthy.

    :param env: the components' environment (see :func:`airflow_env`).
    :param logs: the folder of each component's log.
    :param port: the api-server's port.
    """
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
    processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(name: str, *args: str) -> None:
        with (logs / f"{name}.log").open("wb") as log:
            processes[name] = subprocess.Popen(
                [sys.executable, "-m", "airflow", *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as one
            )

    try:
        start("api-server", "api-server", "--port", str(port))  # workers need its execution API: first
        _wait_healthy(port, ("metadatabase",), processes)
        start("dag-processor", "dag-processor")
        start("triggerer", "triggerer")
        start("scheduler", "scheduler")
        _wait_healthy(port, ("metadatabase", "scheduler", "triggerer", "dag_processor"), processes)
        yield
    finally:
        _stop(processes)


@pytest.fixture(scope="module")
def backfills(cluster: Cluster) -> Cluster:
    """Both DAGs' backfills, created at once so they run side by side (the deferring one mostly waits)."""
    cluster.backfill("real_airflow", "2026-01-01", "2026-01-01")
    cluster.backfill("instant_jobs", "2026-01-01", "2026-01-04")
    return cluster


def read_ids(path: Path, key: str) -> list[Any]:
    with gzip.open(path, "rt") as handle:
        return [json.loads(line)[key] for line in handle]


def test_a_backfill_of_deferrable_jobs_completes_under_a_real_scheduler_and_triggerer_sharing_tokens(
    backfills: Cluster,
) -> None:
    cluster, sandbox = backfills, backfills.deferring
    runs = cluster.wait_for_runs("real_airflow", 1)
    # the backfill of 2026-01-01, and the scheduler's own run for yesterday, side by side
    assert {(run_type, state) for run_type, _date, state in runs} == {("backfill", "success"), ("scheduled", "success")}
    conversations = read_ids(
        partition_dir(cluster.out, "genesys", "conversation_details") / "part-00000.jsonl.gz", "conversationId"
    )
    assert conversations == sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
    manifest = json.loads((partition_dir(cluster.out, "cxone", "data_extraction") / "_manifest.json").read_text())
    assert manifest["record_count"] == 3000
    # every task deferred and resumed in its first try, no sooner than the hold (min_deferral_seconds, 30 s)
    # after deferring: the scheduler had handled the deferring worker's exit, so it found no state mismatch
    events = cluster.query(
        "SELECT task_id, run_id, try_number, event, dttm FROM log WHERE dag_id = 'real_airflow' "
        "AND event IN ('deferred', 'running', 'state mismatch') ORDER BY dttm"
    )
    assert not [row for row in events if row[3] == "state mismatch"], events
    tries = cluster.query("SELECT task_id, run_id, try_number, state FROM task_instance WHERE dag_id = 'real_airflow'")
    assert len(tries) == 4 and {(number, state) for *_ti, number, state in tries} == {(1, "success")}, tries
    for task_id, run_id, *_rest in tries:
        mine = [
            (event, datetime.fromisoformat(when))
            for task, run, _n, event, when in events
            if (task, run) == (task_id, run_id)
        ]
        assert [event for event, _when in mine] == ["running", "deferred", "running"], (task_id, run_id, mine)
        assert (mine[2][1] - mine[1][1]).total_seconds() >= DEFAULT_MIN_DEFERRAL - 1, (task_id, run_id, mine)
    # the jobs ran 3 s: each was checked once before deferring, then polled by the triggerer
    assert sandbox.count("GET genesys jobs status") >= 2 and sandbox.count("GET genesys jobs results") >= 1
    assert sandbox.count("GET cxone extraction status") >= 2
    # Two runs, each: submit (a worker), poll (the triggerer), collect (another worker): six process uses per
    # connection. The two runs start at once with an empty store, so each may fetch one token (Variables have no
    # cross-process lock); every later process reuses a stored token.
    assert 1 <= sandbox.count("tokens issued genesys") <= 2
    assert 1 <= sandbox.count("tokens issued cxone") <= 2


def test_jobs_that_end_at_once_are_collected_without_deferring_under_a_real_scheduler(backfills: Cluster) -> None:
    cluster, sandbox = backfills, backfills.instant
    runs = cluster.wait_for_runs("instant_jobs", 4)
    assert [state for _type, _date, state in runs] == ["success"] * len(runs) and len(runs) == 5, runs
    tries = cluster.query("SELECT task_id, state, try_number FROM task_instance WHERE dag_id = 'instant_jobs'")
    assert len(tries) == 15 and {(state, number) for _task, state, number in tries} == {("success", 1)}, tries
    # one job per task and one status check each: done at the first check, so no task deferred (a deferred one
    # is polled again by the triggerer); extraction and report then read the status once more for the file url
    assert sandbox.count("POST genesys jobs create") == 5 and sandbox.count("GET genesys jobs status") == 5
    assert sandbox.count("POST cxone extraction create") == 5 and sandbox.count("GET cxone extraction status") == 10
    assert sandbox.count("POST cxone report create") == 5 and sandbox.count("GET cxone report status") == 10
    deferred = cluster.query(
        "SELECT count(*) FROM task_instance WHERE dag_id = 'instant_jobs' AND next_method IS NOT NULL"
    )
    assert deferred == [(0,)]
    root = cluster.out.parent / "instant"
    for offset in range(4):
        start = sandbox.data.start + offset * 86400
        end = start + 86400
        day = datetime.fromtimestamp(start, timezone.utc)
        genesys = partition_dir(root, "genesys", "conversation_details", day)
        ids = [i for part in sorted(genesys.glob("part-*.jsonl.gz")) for i in read_ids(part, "conversationId")]
        assert ids == sandbox.data.conversation_ids_started(start, end)
        contacts = [str(i) for i in sandbox.data.contact_ids_started(start, end)]
        for dataset in ("data_extraction", f"report_{sandbox.REPORT_ID}"):
            parts = sorted(partition_dir(root, "cxone", dataset, day).glob("part-*.jsonl.gz"))
            assert [i for part in parts for i in read_ids(part, "contactId")] == contacts, (dataset, day)


def task_processes(ti_ids: set[str]) -> list[int]:
    """PIDs of the task processes running these task instances (the Task SDK titles them ``airflow worker -- <id>``).

    Not their supervisors: a killed task process is reported failed by its supervisor at once (a retry follows),
    while a killed supervisor is found only by the scheduler's heartbeat timeout.
    """
    wanted = {ti_id.replace("-", "") for ti_id in ti_ids}
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            title = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            words = title.split()  # the task process; its supervisor is "airflow worker -- LocalExecutor: <id>"
            if words[:3] == ["airflow", "worker", "--"] and len(words) == 4 and words[3].replace("-", "") in wanted:
                pids.append(int(cmdline.parent.name))
    return pids


def test_a_killed_worker_s_retry_reattaches_to_its_remote_job(cluster: Cluster) -> None:
    """Both job families, waited for in place: SIGKILL each task's process while its job runs; the retry
    finds the job in the task's state (Airflow 3.3) and reattaches, so each sandbox sees one job, not two."""
    sandbox = cluster.resumable
    deadline = time.monotonic() + READY_DEADLINE
    while (done := cluster.airflow("dags", "trigger", "resumable_jobs")).returncode:
        assert time.monotonic() < deadline, f"not triggered: {done.stderr[-2000:]}\n{cluster.tail()}"
        time.sleep(1)
    deadline = time.monotonic() + RUN_DEADLINE
    creates = ("POST genesys jobs create", "POST cxone extraction create")
    while not all(sandbox.count(name) for name in creates):
        assert time.monotonic() < deadline, f"no jobs created: {sandbox.counters}\n{cluster.tail()}"
        time.sleep(0.2)
    running: set[str] = set()
    while len(pids := task_processes(running)) < 2:
        assert time.monotonic() < deadline, f"task processes not found: {running}\n{cluster.tail()}"
        running = {
            str(row[0])
            for row in cluster.query(
                "SELECT id FROM task_instance WHERE dag_id = 'resumable_jobs' AND state = 'running'"
            )
        }
        time.sleep(0.2)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    while (runs := cluster.query("SELECT state FROM dag_run WHERE dag_id = 'resumable_jobs'")) != [("success",)]:
        assert runs != [("failed",)], cluster.tail()
        assert time.monotonic() < deadline, f"run still going: {runs}\n{cluster.tail()}"
        time.sleep(1)
    tries = cluster.query("SELECT task_id, try_number, state FROM task_instance WHERE dag_id = 'resumable_jobs'")
    assert sorted(tries) == [("cxone_job", 2, "success"), ("genesys_job", 2, "success")], tries
    assert [sandbox.count(name) for name in creates] == [1, 1], sandbox.counters
    root = cluster.out.parent / "resumable"
    conversations = read_ids(
        partition_dir(root, "genesys", "conversation_details") / "part-00000.jsonl.gz", "conversationId"
    )
    assert conversations == sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
    manifest = json.loads((partition_dir(root, "cxone", "data_extraction") / "_manifest.json").read_text())
    assert manifest["record_count"] == 1000


def test_a_day_roll_up_of_hourly_partitions_runs_once_under_a_real_scheduler(cluster: Cluster) -> None:
    """The README's roll-up: a run writing 24 hourly partitions triggers one downstream run for the day."""
    deadline = time.monotonic() + READY_DEADLINE
    while (done := cluster.airflow("dags", "trigger", "hourly_contacts")).returncode:
        assert time.monotonic() < deadline, f"not triggered: {done.stderr[-2000:]}\n{cluster.tail()}"
        time.sleep(1)
    deadline = time.monotonic() + RUN_DEADLINE
    sql = "SELECT partition_key, state FROM dag_run WHERE dag_id = 'contacts_by_day'"
    while (runs := cluster.query(sql)) != [("2026-01-01", "success")]:
        producer = cluster.query("SELECT state FROM dag_run WHERE dag_id = 'hourly_contacts'")
        assert producer != [("failed",)], cluster.tail()
        assert time.monotonic() < deadline, f"roll-up runs: {runs}; producer: {producer}\n{cluster.tail()}"
        time.sleep(1)
    events = cluster.query(
        "SELECT source_task_id, count(*), count(DISTINCT partition_key) FROM asset_event "
        "WHERE source_dag_id = 'hourly_contacts' GROUP BY source_task_id ORDER BY source_task_id"
    )
    assert events == [("contacts", 24, 24), ("contacts_by_org", 24, 24)]
    # the composite keys (tenant|hour) map to one tenant|day key: every run of the ProductMapper DAG has it
    tenant = cluster.resumable.config.cxone_tenant_id
    sql = "SELECT DISTINCT partition_key, state FROM dag_run WHERE dag_id = 'contacts_by_org_and_day'"
    while (keyed := cluster.query(sql)) != [(f"{tenant}|2026-01-01", "success")]:
        assert all(key == f"{tenant}|2026-01-01" for key, _state in keyed), keyed
        assert time.monotonic() < deadline, f"composite runs: {keyed}\n{cluster.tail()}"
        time.sleep(1)
    composite = cluster.query(
        "SELECT partition_key FROM asset_event WHERE source_task_id = 'contacts_by_org' ORDER BY partition_key"
    )
    assert composite[0] == (f"{tenant}|2026-01-01T00:00:00Z",) and composite[-1][0].endswith("|2026-01-01T23:00:00Z")
