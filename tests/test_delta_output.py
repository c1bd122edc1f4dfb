"""output_format='delta': 3 daily runs and a rerun of the middle day, on local files and on S3 (moto server)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.auth import forget_process_tokens
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox, SandboxConfig
from airflow_provider_ccanalytics.testing.data import parse_ts
from tests.conftest import GENESYS_ORG, partition_dir, task_states, utc
from tests.test_s3_output import moto_endpoint  # noqa: F401 (the moto server fixture)

pytestmark = pytest.mark.airflow
deltalake = pytest.importorskip("deltalake")
duckdb = pytest.importorskip("duckdb")

DAYS = ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z"]
DAG = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator
with DAG("delta", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    GenesysConversationDetailsOperator(task_id="details", output="{output}", output_format="delta",
                                       lookback=None, {conn})
"""


@pytest.mark.parametrize("storage", ["local", "s3"])
def test_three_daily_runs_and_a_rerun_read_back_exactly_with_one_commit_per_run(
    sandbox_factory: Callable[..., Sandbox],
    connect: Any,
    run_dag: Callable[..., Any],
    out_dir: Path,
    storage: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=600, start=DAYS[0], end=DAYS[3]), rate_limit=None)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    options = None
    if storage == "local":
        output, conn, table = out_dir.as_uri(), "", f"{out_dir}/genesys/conversation_details"
    else:
        boto3 = pytest.importorskip("boto3")
        endpoint = request.getfixturevalue("moto_endpoint")
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            monkeypatch.setenv(name, "testing")
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="lake")
        extra = {"endpoint_url": endpoint, "region_name": "us-east-1"}
        connect("aws_moto", {"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra})
        output, conn, table = "s3://lake/cc", "output_conn_id='aws_moto'", "s3://lake/cc/genesys/conversation_details"
        options = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}
        options |= {"AWS_ENDPOINT_URL": endpoint, "AWS_ALLOW_HTTP": "true"}
        assert "AWS_S3_ALLOW_UNSAFE_RENAME" not in os.environ  # delta-rs commits with conditional puts
    source = DAG.replace("{output}", output).replace("{conn}", conn)
    for day in (2, 3, 4, 3):  # three daily runs, then a rerun of the middle day
        run = run_dag(source, utc(2026, 1, day))
        assert task_states(run) == {"details": "success"}

    delta = deltalake.DeltaTable(table, storage_options=options)
    history = delta.history()
    assert len(history) == 4 and delta.version() == 3  # one commit per run
    assert all(entry["operation"] == "WRITE" for entry in history)
    truth = {
        DAYS[i]: sorted(sandbox.data.conversation_ids_started(parse_ts(DAYS[i]), parse_ts(DAYS[i + 1])))
        for i in range(3)
    }
    arrow = delta.to_pyarrow_table(columns=["interval_start", "conversationId"])
    found: dict[str, list[str]] = {}
    for label, conversation in zip(
        arrow.column("interval_start").to_pylist(), arrow.column("conversationId").to_pylist(), strict=True
    ):
        found.setdefault(label, []).append(conversation)
    assert {label: sorted(ids) for label, ids in found.items()} == truth  # exactly the ground truth, no duplicates
    # DuckDB reads the table's current snapshot (delta_scan needs its delta extension; the Arrow dataset does not)
    dataset = delta.to_pyarrow_dataset()  # noqa: F841 (queried by name)
    counts = duckdb.execute("SELECT interval_start, count(*) FROM dataset GROUP BY 1 ORDER BY 1").fetchall()
    assert counts == [(label, len(ids)) for label, ids in truth.items()]
    # the table is partitioned as the other formats lay out their folders: org=<id>/interval_start=<start>
    assert delta.metadata().partition_columns == ["org", "interval_start"]
    assert set(delta.to_pyarrow_table(columns=["org"]).column("org").to_pylist()) == {SandboxConfig.genesys_org_id}
    if storage == "local":  # the same folders, with ':' escaped as Hive-style writers (Spark, delta-rs) do
        for day in DAYS[:3]:
            folder = partition_dir(out_dir, "genesys", "conversation_details", day)
            assert list(Path(str(folder).replace(":", "%3A")).glob("*.parquet")), day


def test_a_second_org_writes_its_own_partitions_into_the_same_delta_table(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    other_org = "0b000000-0000-4000-8000-00000000000b"
    spec = DataSpec(conversations=200, start=DAYS[0], end=DAYS[1])
    first = sandbox_factory(spec, rate_limit=None)
    second = sandbox_factory(DataSpec(conversations=100, start=DAYS[0], end=DAYS[1], seed=7), genesys_org_id=other_org)
    source = DAG.replace("{output}", out_dir.as_uri()).replace("{conn}", "")
    for sandbox in (first, second):  # the same DAG and day, once per org: the second replaces nothing of the first
        connect("genesys_cloud_default", sandbox.genesys_connection())
        forget_process_tokens()  # a new org: a new deployment's process
        assert task_states(run_dag(source, utc(2026, 1, 2))) == {"details": "success"}
    delta = deltalake.DeltaTable(f"{out_dir}/genesys/conversation_details")
    arrow = delta.to_pyarrow_table(columns=["org", "conversationId"])
    found: dict[str, list[str]] = {}
    for org, conversation in zip(
        arrow.column("org").to_pylist(), arrow.column("conversationId").to_pylist(), strict=True
    ):
        found.setdefault(org, []).append(conversation)
    assert {org: sorted(ids) for org, ids in found.items()} == {
        SandboxConfig.genesys_org_id: sorted(first.data.conversation_ids_started(first.data.start, first.data.end)),
        other_org: sorted(second.data.conversation_ids_started(second.data.start, second.data.end)),
    }
    for org in (GENESYS_ORG, f"org={other_org}"):
        folder = partition_dir(out_dir, "genesys", "conversation_details", DAYS[0], scope=org)
        assert list(Path(str(folder).replace(":", "%3A")).glob("*.parquet")), org
