"""Typed Parquet and layout='tables' read back with pyarrow and DuckDB: declared types, unions, _extra, joins."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.catalog import flattener_for, schema_for
from airflow_provider_ccanalytics.core.genesys import nest_conversations
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.outputs import read_manifest, read_partition, write_partition
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from airflow_provider_ccanalytics.testing.data import parse_ts
from tests.conftest import partition_dir, partition_dirs, task_states, utc

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
duckdb = pytest.importorskip("duckdb")

DAYS = ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]
THREE_DAYS = DataSpec(conversations=900, contacts=600, start=DAYS[0], end="2026-01-04T00:00:00Z")

DAG = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow_provider_ccanalytics.operators.genesys import (
    GenesysConversationAggregatesOperator, GenesysConversationDetailsOperator)
from airflow_provider_ccanalytics.operators.cxone import CxoneCompletedContactsOperator, CxoneDataExtractionOperator
THREE = dict(start="2026-01-01T00:00:00Z", end="2026-01-04T00:00:00Z", output_format="parquet")
ONE = dict(start="2026-01-01T00:00:00Z", end="2026-01-02T00:00:00Z", output_format="parquet")
with DAG("typed", schedule=None, start_date=datetime(2025, 12, 1, tzinfo=timezone.utc)) as dag:
    GenesysConversationDetailsOperator(task_id="tables", output="{out}/tables", layout="tables", lookback=None,
                                       **THREE)
    GenesysConversationDetailsOperator(task_id="records", output="{out}/records", lookback=None, **THREE)
    GenesysConversationAggregatesOperator(task_id="aggregates", output="{out}/records", group_by=["queueId"],
                                          metrics=["nOffered", "tHandle"], granularity="PT6H", **ONE)
    CxoneCompletedContactsOperator(task_id="contacts", output="{out}/records", lookback=None, **THREE)
    CxoneDataExtractionOperator(task_id="extraction", output="{out}/records", poll_interval=0.2,
                                entity_name="recording-interaction-metadata", version="7", **ONE)
"""


def declared_arrow(dataset: str, table: str = "") -> Any:
    from airflow_provider_ccanalytics.outputs.typed import arrow_schema

    return arrow_schema(schema_for(dataset, table))


def parts(folder: Path, table: str = "") -> list[Path]:
    manifest = json.loads((folder / "_manifest.json").read_text())
    return [folder / entry["path"] for entry in manifest["files"] if entry.get("table", "") == table]


@pytest.fixture
def new_field(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A sandbox over three days whose vendor added a field to every conversation (and one odd value)."""
    sandbox = sandbox_factory(THREE_DAYS, rate_limit=None, extraction_seconds=0.2, extraction_create_interval=0)
    data, make = sandbox.data, sandbox.data._make_conversation

    def with_new_field(index: int) -> dict[str, Any]:
        record = make(index)
        record["brandNewField"] = {"since": "2026"}
        if index == 0:
            record["mediaStatsMinConversationMos"] = "n/a"  # a value that does not fit its declared float
        return record

    data._conversation = lru_cache(maxsize=None)(with_new_field)  # type: ignore[method-assign]
    return sandbox


@pytest.mark.airflow
def test_every_dataset_reads_back_typed_and_flattened_tables_join_back(
    new_field: Sandbox, connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    sandbox = new_field
    connect("genesys_cloud_default", sandbox.genesys_connection())
    connect("nice_cxone_default", sandbox.cxone_connection())
    run = run_dag(DAG.replace("{out}", out_dir.as_uri()), utc(2026, 1, 4))
    assert set(task_states(run).values()) == {"success"}, task_states(run)  # the new vendor field fails nothing

    # every part of every dataset has exactly the declared Arrow types (and _extra)
    checks = [("records", "genesys", "conversation_details", "", 3)]
    checks += [("records", "genesys", "conversation_aggregates", "", 1)]
    checks += [("records", "cxone", "completed_contacts", "", 3)]
    checks += [("records", "cxone", "data_extraction", "", 1)]
    checks += [("tables", "genesys", "conversation_details", t, 3) for t in ("conversations", "participants")]
    checks += [("tables", "genesys", "conversation_details", t, 3) for t in ("sessions", "segments", "metrics")]
    checks += [("tables", "genesys", "conversation_details", t, 3) for t in ("evaluations", "surveys", "resolutions")]
    for root, vendor, dataset, table, partitions in checks:
        folders = partition_dirs(out_dir / root, vendor, dataset)
        assert len(folders) == partitions, (root, vendor, dataset)
        for folder in folders:
            found = parts(folder, table)
            assert found, (folder, table)
            for part in found:
                assert pq.read_schema(part) == declared_arrow(dataset, table), (part, table)

    # the union of the 3 partitions reads as one table (pyarrow and DuckDB), with the ground truth's rows
    truth = sandbox.data.conversations_started(parse_ts(DAYS[0]), parse_ts("2026-01-04T00:00:00Z"))
    union = pq.read_table(out_dir / "records/genesys/conversation_details")  # hive: interval_start column added
    assert union.num_rows == len(truth) == 900
    assert sorted(union.column("conversationId").to_pylist()) == sorted(r["conversationId"] for r in truth)
    glob = f"{out_dir}/records/genesys/conversation_details/*/*/*.parquet"  # org=, then interval_start=
    db = duckdb.connect()
    kinds = {row[0]: row[1] for row in db.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}')").fetchall()[:3]}
    assert kinds == {"conversationId": "VARCHAR", "conversationStart": "TIMESTAMP WITH TIME ZONE",
                     "conversationEnd": "TIMESTAMP WITH TIME ZONE"}  # fmt: skip
    assert db.execute(f"SELECT count(*) FROM read_parquet('{glob}')").fetchone() == (900,)

    # the new field is in _extra, counted in each manifest; the unfit value too (the run succeeded)
    first = read_manifest(f"file://{partition_dir(out_dir / 'records', 'genesys', 'conversation_details', DAYS[0])}")
    assert first is not None
    assert first["extra_fields"] == {"brandNewField": first["record_count"], "mediaStatsMinConversationMos": 1}
    extra = db.execute(f"SELECT count(*) FROM read_parquet('{glob}') WHERE _extra->>'$.brandNewField.since' = '2026'")
    assert extra.fetchone() == (900,)

    # flattened tables join back to exactly the nested records, per partition (row counts and values)
    for day, folder in zip(DAYS, partition_dirs(out_dir / "tables", "genesys", "conversation_details"), strict=True):
        window = Window.of(day, DAYS[DAYS.index(day) + 1] if day != DAYS[-1] else "2026-01-04T00:00:00Z")
        expected = sandbox.data.conversations_started(window.start.timestamp(), window.end.timestamp())
        tables = {
            table: list(read_partition(f"file://{folder}", table=table))
            for table in flattener_for("conversation_details").tables
        }
        assert len(tables["conversations"]) == len(expected)
        rows = {table: 0 for table in tables}
        for record in expected:
            for table, _ in flattener_for("conversation_details").rows(record):
                rows[table] += 1
        assert {table: len(found) for table, found in tables.items()} == rows
        assert nest_conversations(tables) == expected
        # exactly the sandbox's evaluations, surveys and resolutions, each keyed by its conversation
        for table, key in (("evaluations", "evaluationId"), ("surveys", "surveyId"), ("resolutions", "eventTime")):
            truth_items = sorted((r["conversationId"], item[key]) for r in expected for item in r.get(table, []))
            assert truth_items, table  # the sandbox emits some on every day
            assert sorted((row["conversationId"], row[key]) for row in tables[table]) == truth_items

    # DuckDB joins the tables with their parent keys: segments per conversation equal the nested records'
    base = f"{out_dir}/tables/genesys/conversation_details"
    joined = db.execute(
        f"SELECT c.conversationId, count(*) FROM read_parquet('{base}/*/*/conversations/*.parquet') c "
        f"JOIN read_parquet('{base}/*/*/segments/*.parquet') s USING (conversationId) GROUP BY 1"
    ).fetchall()
    segments = {r["conversationId"]: sum(len(s["segments"]) for p in r["participants"] for s in p["sessions"])
                for r in truth}  # fmt: skip
    assert dict(joined) == segments

    # CXone rows are typed: booleans, numbers, timestamps; ids as text
    contacts = pq.read_table(out_dir / "records/cxone/data_extraction")
    assert contacts.schema.field("abandoned").type == pa.bool_()
    first_row = contacts.sort_by("contactStartDate").slice(0, 1).to_pylist()[0]
    index = sandbox.data.contacts_started(parse_ts(DAYS[0]), parse_ts(DAYS[1]))[0]
    truth_row = sandbox.contact_record(index)
    assert first_row["abandoned"] is truth_row["abandoned"]
    assert first_row["totalDurationSeconds"] == truth_row["totalDurationSeconds"]
    assert first_row["contactId"] == str(truth_row["contactId"])
    assert first_row["contactStartDate"].timestamp() == parse_ts(truth_row["contactStartDate"])


@pytest.mark.parametrize(("output_format", "layout"), [("parquet", "tables"), ("jsonl.gz", "tables")])
def test_an_empty_window_writes_a_valid_empty_partition(out_dir: Path, output_format: str, layout: str) -> None:
    window = Window.of(DAYS[0], DAYS[1])
    summary = write_partition(
        out_dir.as_uri(),
        vendor="genesys",
        dataset="conversation_details",
        window=window,
        sources=[lambda: iter(()) for _ in range(24)],  # 24 hourly sources, all empty
        output_format=output_format,
        layout=layout,
    )
    folder = Path(summary["uri"].removeprefix("file://"))
    manifest = json.loads((folder / "_manifest.json").read_text())
    assert manifest["record_count"] == 0 and manifest["files"] == []
    assert sorted(path.name for path in folder.iterdir()) == ["_SUCCESS", "_manifest.json"]  # no empty parts
    assert list(read_partition(summary)) == []


def test_a_large_part_is_written_in_bounded_row_groups_that_read_back_whole(out_dir: Path) -> None:
    from airflow_provider_ccanalytics.outputs import typed
    from airflow_provider_ccanalytics.testing.data import Dataset

    data = Dataset(DataSpec(conversations=4000, contacts=0))
    records = data.conversations_started(data.start, data.end)
    window = Window.of(DAYS[0], DAYS[1])
    write_partition(
        out_dir.as_uri(),
        vendor="genesys",
        dataset="conversation_details",
        window=window,
        sources=[lambda: iter(records)],
        output_format="parquet",
        layout="tables",
    )
    folder = out_dir / "genesys" / "conversation_details" / f"interval_start={window.label()}"
    metrics = pq.ParquetFile(folder / "metrics" / "part-00000.parquet")
    groups = [metrics.metadata.row_group(index).num_rows for index in range(metrics.num_row_groups)]
    expected = sum(len(s.get("metrics", [])) for r in records for p in r["participants"] for s in p["sessions"])
    assert sum(groups) == expected > typed.ROW_GROUP_ROWS  # one part, more rows than one row group holds
    assert len(groups) >= 3 and max(groups) <= typed.ROW_GROUP_ROWS  # streamed: several bounded row groups
    assert metrics.read().num_rows == expected
