"""OpenLineage (the ``openlineage`` extra): events of a real run, read from OpenLineage's file transport.

Each run is in its own process: Airflow's OpenLineage plugin decides at import whether it listens (it does only
when a transport is configured), so configuring it here would change every other test of the session.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.catalog import schema_for
from airflow_provider_ccanalytics.operators.lineage import endpoint_paths, input_namespace, output_location
from airflow_provider_ccanalytics.outputs.tables import table_schema
from airflow_provider_ccanalytics.testing import Sandbox
from tests.conftest import DAGS, ROOT, partition_dir

pytestmark = pytest.mark.airflow
pytest.importorskip("airflow.providers.openlineage", reason="needs the openlineage extra")

DAG = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.cxone import CxoneCompletedContactsOperator
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator

with DAG("lineage_test", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    GenesysConversationDetailsOperator(task_id="details", output={out!r}, lookback=None)
    CxoneCompletedContactsOperator(task_id="contacts", output={out!r}, lookback=None)
    GenesysConversationDetailsOperator(task_id="details_xcom")
    GenesysConversationDetailsOperator(task_id="tables", output={out!r} + "/tables", layout="tables", lookback=None)
    GenesysConversationDetailsOperator(task_id="delta", output={out!r} + "/delta", output_format="delta", lookback=None)
"""
RUN = """
import importlib.util, sys
from datetime import datetime, timezone
spec = importlib.util.spec_from_file_location("lineage_dag", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
run = module.dag.test(logical_date=datetime(2026, 1, 2, tzinfo=timezone.utc))
print("STATE", run.state)
LINEAGE = ("openlineage", "airflow.providers.openlineage", "airflow_provider_ccanalytics.operators.lineage")
print("LINEAGE_MODULES", sorted(name for name, module in sys.modules.items() if module and name.startswith(LINEAGE)))
"""
HIDE_PROVIDER = """
import importlib.metadata, sys
import importlib_metadata

# as if the extra were not installed: its modules cannot be imported and its distributions are not found (so
# Airflow neither discovers the provider nor loads its listener plugin)
sys.modules["airflow.providers.openlineage"] = None
sys.modules["openlineage"] = None
for module in (importlib.metadata, importlib_metadata):
    found = module.distributions
    module.distributions = lambda found=found, **kw: (
        dist for dist in found(**kw) if "openlineage" not in (dist.metadata["Name"] or "").lower()
    )
"""
#: a busy machine: how long to wait for the emitting process to write the COMPLETE events
EVENT_DEADLINE = 180.0


def run_in_process(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args], env=environment, capture_output=True, text=True
    )


def write_dag(out_dir: Path) -> Path:
    """The test DAG in the dags folder (dag.test() serialises the DAGs there), alone as with run_dag."""
    for old in DAGS.glob("*.py"):
        old.unlink()
    path = DAGS / "lineage_dag.py"
    path.write_text(DAG.format(out=out_dir.as_uri()))
    return path


def lineage_env(events: Path) -> dict[str, str]:
    """OpenLineage's file transport into ``events``, configured through the environment as the provider documents."""
    return {
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps({"type": "file", "log_file_path": str(events), "append": True}),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "ccanalytics_test",
        # the emitting process gets this long before the task process stops waiting for it (busy machine)
        "AIRFLOW__OPENLINEAGE__EXECUTION_TIMEOUT": str(int(EVENT_DEADLINE)),
    }


def complete_events(path: Path, jobs: set[str], deadline: float) -> dict[str, dict[str, Any]]:
    """The COMPLETE events of ``jobs`` (``dag.task``), waiting until each is in the file (or the deadline)."""
    found: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        if path.exists():
            for line in path.read_text().splitlines():
                try:
                    event = json.loads(line)
                except ValueError:  # a line still being written
                    continue
                if event.get("eventType") == "COMPLETE" and event["job"]["name"] in jobs:
                    found[event["job"]["name"]] = event
        if set(found) == jobs:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no COMPLETE event of {sorted(jobs - set(found))} in {path} within the deadline")


def fields(dataset: dict[str, Any]) -> list[str]:
    return [field["name"] for field in dataset["facets"]["schema"]["fields"]]


@pytest.fixture
def run_lineage_dag(
    sandbox: Sandbox, connect: Any, airflow_db: Path, out_dir: Path, tmp_path: Path
) -> Callable[[str], tuple[str, Path]]:
    """Run the test DAG against the sandbox in its own process (``prelude`` first), OpenLineage's file transport
    into a fresh file; returns the process's output and the events file."""
    connect("genesys_cloud_default", sandbox.genesys_connection())
    connect("nice_cxone_default", sandbox.cxone_connection())

    def run(prelude: str = "") -> tuple[str, Path]:
        events = tmp_path / "openlineage.jsonl"
        done = run_in_process(prelude + RUN, str(write_dag(out_dir)), env=lineage_env(events))
        assert "STATE success" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout, events

    return run


def assert_partition_output(event: dict[str, Any], folder: Path, dataset: str) -> int:
    """The event's one output is the partition ``folder`` with the dataset's schema and row count; the rows."""
    manifest = json.loads((folder / "_manifest.json").read_text())
    [output] = event["outputs"]
    assert (output["namespace"], output["name"]) == ("file", str(folder))
    assert fields(output) == [column.name for column in schema_for(dataset).columns]
    assert output["outputFacets"]["outputStatistics"]["rowCount"] == manifest["record_count"] > 0
    return int(manifest["record_count"])


def test_a_real_run_reports_endpoints_partitions_schemas_and_row_counts(
    sandbox: Sandbox, out_dir: Path, run_lineage_dag: Callable[[str], tuple[str, Path]]
) -> None:
    _output, events = run_lineage_dag("")
    found = complete_events(
        events,
        {f"lineage_test.{task}" for task in ("details", "contacts", "details_xcom", "tables", "delta")},
        time.monotonic() + EVENT_DEADLINE,
    )
    org, tenant = sandbox.config.genesys_org_id, sandbox.config.cxone_tenant_id

    details = found["lineage_test.details"]
    assert [(d["namespace"], d["name"]) for d in details["inputs"]] == [
        (f"genesys://{org}", "/api/v2/analytics/conversations/details/query")
    ]
    folder = partition_dir(out_dir, "genesys", "conversation_details", "2026-01-01")
    details_rows = assert_partition_output(details, folder, "conversation_details")

    contacts = found["lineage_test.contacts"]
    assert [(d["namespace"], d["name"]) for d in contacts["inputs"]] == [
        (f"cxone://{tenant}", "/inContactAPI/services/v34.0/contacts/completed")
    ]
    folder = partition_dir(out_dir, "cxone", "completed_contacts", "2026-01-01")
    assert_partition_output(contacts, folder, "completed_contacts")

    xcom = found["lineage_test.details_xcom"]  # records to XCom: the endpoint read, no output
    assert [(d["namespace"], d["name"]) for d in xcom["inputs"]] == [
        (f"genesys://{org}", "/api/v2/analytics/conversations/details/query")
    ]
    assert xcom["outputs"] == []

    tables = found["lineage_test.tables"]  # layout="tables": one dataset per table folder
    folder = partition_dir(out_dir / "tables", "genesys", "conversation_details", "2026-01-01")
    manifest = json.loads((folder / "_manifest.json").read_text())
    assert [(d["namespace"], d["name"]) for d in tables["outputs"]] == [
        ("file", f"{folder}/{table}") for table in manifest["tables"]
    ]
    for dataset, table in zip(tables["outputs"], manifest["tables"], strict=True):
        assert fields(dataset) == [column.name for column in table_schema("conversation_details", table).columns]
        rows = sum(entry["records"] for entry in manifest["files"] if entry["table"] == table)
        assert dataset["outputFacets"]["outputStatistics"]["rowCount"] == rows
    assert tables["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"] == manifest["record_count"]

    [table] = found["lineage_test.delta"]["outputs"]  # the Delta table
    assert (table["namespace"], table["name"]) == ("file", str(out_dir / "delta" / "genesys" / "conversation_details"))
    assert fields(table) == [column.name for column in schema_for("conversation_details").columns]
    assert table["outputFacets"]["outputStatistics"]["rowCount"] == details_rows


def test_without_the_provider_the_operators_run_and_nothing_is_emitted(
    out_dir: Path, run_lineage_dag: Callable[[str], tuple[str, Path]]
) -> None:
    output, events = run_lineage_dag(HIDE_PROVIDER)
    assert "LINEAGE_MODULES []" in output  # the client, the provider, and ours
    assert partition_dir(out_dir, "genesys", "conversation_details", "2026-01-01").joinpath("_manifest.json").exists()
    assert not events.exists()


CXONE = "/inContactAPI/services/v34.0"
OPERATORS = [
    ("genesys", "GenesysConversationDetailsOperator", {}, "/api/v2/analytics/conversations/details/query"),
    ("genesys", "GenesysConversationDetailsJobOperator", {}, "/api/v2/analytics/conversations/details/jobs"),
    (
        "genesys",
        "GenesysConversationAggregatesOperator",
        {"metrics": ["nOffered"]},
        "/api/v2/analytics/conversations/aggregates/query",
    ),
    ("genesys_users", "GenesysUserDetailsOperator", {}, "/api/v2/analytics/users/details/query"),
    ("genesys_users", "GenesysUserDetailsJobOperator", {}, "/api/v2/analytics/users/details/jobs"),
    ("endpoints", "GenesysEntitiesOperator", {"entity": "queues"}, "/api/v2/routing/queues"),
    ("cxone", "CxoneCompletedContactsOperator", {}, "/inContactAPI/services/v34.0/contacts/completed"),
    (
        "cxone",
        "CxoneDataExtractionOperator",
        {"entity_name": "recording-interaction-metadata", "version": "7"},
        "/data-extraction/v1/jobs",
    ),
    ("cxone", "CxoneReportJobOperator", {"report_id": "1234"}, "/inContactAPI/services/v34.0/report-jobs"),
    ("endpoints", "CxoneReportingOperator", {"report": "skills/summary"}, f"{CXONE}/skills/summary"),
    ("endpoints", "CxoneEntitiesOperator", {"entity": "agents"}, "/inContactAPI/services/v34.0/agents"),
]


@pytest.mark.parametrize(("module", "name", "arguments", "path"), OPERATORS, ids=[o[1] for o in OPERATORS])
def test_every_operator_names_the_endpoint_it_reads(
    module: str, name: str, arguments: dict[str, Any], path: str
) -> None:

    operator = getattr(importlib.import_module(f"airflow_provider_ccanalytics.operators.{module}"), name)
    assert endpoint_paths(operator(task_id="t", **arguments)) == [path]


def test_output_and_input_names_follow_the_naming_conventions() -> None:
    assert output_location("s3://aws_conn@my-bucket/cc/genesys/x/org=1/interval_start=2026-01-01T00:00:00Z") == (
        "s3://my-bucket",
        "cc/genesys/x/org=1/interval_start=2026-01-01T00:00:00Z",
    )
    assert output_location("file:///data/cc/genesys/x") == ("file", "/data/cc/genesys/x")
    assert output_location("/data/cc/genesys/x") == ("file", "/data/cc/genesys/x")  # a local Delta table
    assert input_namespace("genesys", "org=abc-123") == "genesys://abc-123"
    assert input_namespace("cxone", "tenant=11ea") == "cxone://11ea"
