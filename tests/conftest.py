"""Test setup: a private SQLite Airflow home, a dags folder, the sandbox, and helpers to run DAGs.

Airflow reads its configuration on first import, so the environment is set here, before
anything imports airflow.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
_HOME = Path(tempfile.mkdtemp(prefix="ccanalytics-airflow-"))
DAGS = _HOME / "dags"
DAGS.mkdir()
os.environ.update(
    {
        "AIRFLOW_HOME": str(_HOME),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__CORE__FERNET_KEY": "Yk9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm8=",
        "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": "False",
        # dag.test() runs triggers inline (no scheduler race to wait out): no hold before a trigger's event
        "AIRFLOW__CCANALYTICS__MIN_DEFERRAL_SECONDS": "0",
    }
)

from airflow_provider_ccanalytics.core.auth import forget_process_tokens  # noqa: E402
from airflow_provider_ccanalytics.core.cxone import forget_discovery  # noqa: E402
from airflow_provider_ccanalytics.core.partitions import SnapshotDate, Window  # noqa: E402
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox, SandboxConfig  # noqa: E402

DAY = DataSpec().start  # 2026-01-01
#: the sandbox's default day, and its first hour, as windows
DAY_WINDOW = Window.of("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
HOUR_WINDOW = Window.of("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z")
#: the org and tenant folders of the default sandbox's partitions (what the hooks' partition_scope() answer)
GENESYS_ORG = f"org={SandboxConfig.genesys_org_id}"
CXONE_TENANT = f"tenant={SandboxConfig.cxone_tenant_id}"
DEFAULT_SCOPES = {"genesys": GENESYS_ORG, "cxone": CXONE_TENANT}
_VENDOR_SCOPE = object()


def partition_folder(
    vendor: str,
    dataset: str,
    start: str | datetime | Window = "2026-01-01",
    *,
    scope: Any = _VENDOR_SCOPE,
    key: str = "interval_start",
) -> str:
    """A partition's folder below the output root, as the provider lays it out (through ``partition_keys``):
    ``genesys/conversation_details/org=<default sandbox org>/interval_start=2026-01-01T00:00:00Z``.

    :param start: the partition's start: a day (``2026-01-02``), an instant (``...T05:00:00Z``), a datetime, a Window.
    :param scope: ``org=<id>`` / ``tenant=<id>`` (default: the default sandbox's, by vendor; None: no org folder).
    :param key: the partition key (``interval_start``; ``snapshot_date``: ``start`` is the snapshot's date).
    """
    from airflow_provider_ccanalytics.outputs import SNAPSHOT_KEY, partition_keys

    unit: Window | SnapshotDate
    if isinstance(start, Window):
        unit = start
    elif key == SNAPSHOT_KEY:
        unit = SnapshotDate.of(start)
    else:
        text = start if isinstance(start, datetime) or "T" in start else f"{start}T00:00:00Z"
        moment = Window.of(text, "9999-01-01T00:00:00Z").start
        unit = Window(moment, moment + timedelta(seconds=1))
    chosen = DEFAULT_SCOPES.get(vendor) if scope is _VENDOR_SCOPE else scope
    keys = partition_keys(unit, chosen)
    return "/".join([vendor, dataset, *(f"{name}={value}" for name, value in keys)])


def partition_dir(
    root: Path, vendor: str, dataset: str, start: str | datetime | Window = "2026-01-01", **more: Any
) -> Path:
    """:func:`partition_folder` below a local output root (``out_dir``)."""
    return root.joinpath(*partition_folder(vendor, dataset, start, **more).split("/"))


def partition_dirs(root: Path, vendor: str, dataset: str, **more: Any) -> list[Path]:
    """Every partition folder of one org's dataset below a local output root, sorted (``scope`` as above)."""
    one = partition_folder(vendor, dataset, **more).split("/")
    return sorted(root.joinpath(*one[:-1]).glob(one[-1].split("=", 1)[0] + "=*"))


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated SQLite metadata database (once per session)."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )
    return _HOME


@pytest.fixture(autouse=True)
def fresh_token_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts like a new deployment: no cached or stored tokens, no cached CXone discovery.

    Discovery is cached per issuer URL, and a later sandbox can get an earlier one's port.
    """
    forget_process_tokens()
    forget_discovery()
    if "airflow_db" in request.fixturenames:
        _delete_token_variables()
    yield
    forget_process_tokens()


def _delete_token_variables() -> None:
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session

    with create_session() as session:
        session.query(Variable).filter(Variable.key.like("ccanalytics_token_%")).delete(synchronize_session=False)


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with custom settings; all are stopped after the test."""
    started: list[Sandbox] = []

    def make(data: DataSpec | None = None, **settings: Any) -> Sandbox:
        config = SandboxConfig(data=data or DataSpec(), **settings)
        sandbox = Sandbox(config).start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A default sandbox (1000 conversations and contacts on 2026-01-01, real rate limit)."""
    return sandbox_factory()


@pytest.fixture
def connect(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, dict[str, Any]], str]:
    """Define an Airflow connection through ``AIRFLOW_CONN_*``; returns its id."""

    def define(conn_id: str, connection: dict[str, Any]) -> str:
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))
        return conn_id

    return define


def secrets_of(sandbox: Sandbox) -> list[str]:
    """Every secret a test against ``sandbox`` may have handled: credentials and issued tokens."""
    config = sandbox.config
    values = [config.genesys_client_secret, config.cxone_client_secret, config.cxone_access_key_secret]
    values += list(sandbox._tokens) + list(sandbox._refresh)
    return values


@pytest.fixture
def run_dag(airflow_db: Path) -> Callable[..., Any]:
    """Write a DAG file into the dags folder and run it with ``dag.test()``; returns the DagRun.

    :param source: the DAG module's code (it must define ``dag``).
    :param logical_date: the run's logical date.
    """

    def run(source: str, logical_date: datetime, name: str = "test_dag") -> Any:
        for old in DAGS.glob("*.py"):
            old.unlink()
        path = DAGS / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        spec = importlib.util.spec_from_file_location(f"dagfile_{name}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.dag.test(logical_date=logical_date)

    return run


def xcom_result(dagrun: Any, task_id: str) -> Any:
    """The return value of a task in a finished run."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.scalars(
            XComModel.get_many(run_id=dagrun.run_id, key="return_value", task_ids=task_id, dag_ids=dagrun.dag_id)
        ).first()
        return None if row is None else XComModel.deserialize_value(row)


def task_states(dagrun: Any) -> dict[str, str]:
    from airflow.utils.session import create_session

    with create_session() as session:
        return {ti.task_id: str(ti.state) for ti in dagrun.get_task_instances(session=session)}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)  # type: ignore[misc]


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    path = tmp_path / "out"
    path.mkdir()
    return path


@pytest.fixture
def log_text(caplog: pytest.LogCaptureFixture) -> Callable[[], str]:
    """Everything logged so far at DEBUG and above, as text."""
    caplog.set_level(logging.DEBUG)
    return lambda: caplog.text


def copy_example_dag(name: str) -> None:
    shutil.copy(ROOT / "example_dags" / name, DAGS / name)


def manifest_records(folder: Path) -> list[dict[str, Any]]:
    """Every record of a written partition, in the order its ``_manifest.json`` lists the files."""
    manifest = json.loads((folder / "_manifest.json").read_text())
    records: list[dict[str, Any]] = []
    for entry in manifest["files"]:
        with gzip.open(folder / entry["path"], "rt") as handle:
            records += [json.loads(line) for line in handle]
    return records


def start_login(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """Start ``ccanalytics-login`` with ``args``; returns the process and the authorization URL it printed."""
    login = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_ccanalytics.login", *args],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert login.stdout is not None
    for line in login.stdout:
        if line.startswith("http"):
            return login, line.strip()
    raise AssertionError(login.stderr.read() if login.stderr else "no URL printed")


#: files that take minutes (real Airflow clusters, venvs of other Airflow versions, a browser, worker processes):
#: collected first, so the two workers of ``pytest -n 2 --dist loadfile`` start them early instead of ending the
#: run on one of them while the other worker idles
SLOW_FIRST = (
    "test_examples_unpaused.py",
    "test_real_airflow.py",
    "test_version_matrix.py",
    "test_browser_ui.py",
    "test_scale_out.py",
    "test_concurrent_writers.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow files first (see :data:`SLOW_FIRST`); every other test keeps its order (a stable sort)."""
    rank = {name: index for index, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))
