"""Genesys quality: evaluations, surveys and resolutions as tables of the details, and the evaluations dataset
(``POST /api/v2/quality/evaluations/search``) against the sandbox's ground truth."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_ccanalytics.core.catalog import flattener_for, schema_for
from airflow_provider_ccanalytics.core.genesys import evaluation_rows, nest_conversations
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from airflow_provider_ccanalytics.testing.data import Dataset, parse_ts
from tests.conftest import manifest_records, partition_dir, partition_dirs, task_states, utc

TWO_DAYS = DataSpec(conversations=600, start="2026-01-01T00:00:00Z", end="2026-01-03T00:00:00Z")
#: the two days of evaluation events the dataset test reads (evaluations come 1 to 10 days after the calls)
EVENT_DAYS = ("2026-01-05", "2026-01-06")


def test_the_tables_layout_holds_exactly_the_quality_lists_and_nests_back() -> None:
    data = Dataset(TWO_DAYS)
    records = [data.conversation(index) for index in range(600)]
    tables: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        for table, row in flattener_for("conversation_details").rows(record):
            tables.setdefault(table, []).append(row)
    for table, key in (("evaluations", "evaluationId"), ("surveys", "surveyId")):
        truth = sorted((r["conversationId"], item[key]) for r in records for item in r.get(table, []))
        assert truth and sorted((row["conversationId"], row[key]) for row in tables[table]) == truth
        assert set().union(*tables[table]) <= set(schema_for("conversation_details", table).names)
    assert len(tables["resolutions"]) == sum(len(r.get("resolutions", [])) for r in records) > 0
    assert "evaluations" not in set().union(*tables["conversations"])  # only in its own table
    assert nest_conversations(tables) == records


def search(sandbox: Sandbox, body: dict[str, Any]) -> requests.Response:
    connection = sandbox.genesys_connection()
    extra = connection["extra"]
    login = requests.post(
        f"{extra['login_url']}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(connection["login"], connection["password"]),
        timeout=30,
    )
    token = login.json()["access_token"]
    return requests.post(
        f"{extra['api_url']}/api/v2/quality/evaluations/search",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_the_search_needs_a_time_range_of_at_most_three_months(sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(TWO_DAYS, rate_limit=None)
    assert search(sandbox, {"pageSize": 25, "pageNumber": 1}).status_code == 400
    too_long = {"type": "DATE_RANGE", "field": "createdDate", "startValue": "2026-01-01T00:00:00.000Z",
                "endValue": "2026-06-01T00:00:00.000Z"}  # fmt: skip
    assert search(sandbox, {"query": [too_long], "pageSize": 25, "pageNumber": 1}).status_code == 400


DAG = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow_provider_ccanalytics.operators.genesys_quality import GenesysEvaluationsOperator
with DAG("quality", schedule=None, start_date=datetime(2025, 12, 1, tzinfo=timezone.utc)) as dag:
    GenesysEvaluationsOperator(task_id="evaluations", output="{out}", start="{start}", end="{end}", page_size=4)
"""


@pytest.mark.airflow
def test_the_evaluations_dataset_is_the_ground_truth_over_two_days_and_a_rerun_is_byte_identical(
    sandbox_factory: Any, connect: Any, run_dag: Any, out_dir: Path
) -> None:
    sandbox = sandbox_factory(TWO_DAYS, rate_limit=None)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    first, after = f"{EVENT_DAYS[0]}T00:00:00Z", "2026-01-07T00:00:00Z"
    source = DAG.format(out=out_dir.as_uri(), start=first, end=after)
    started = time.monotonic()
    assert task_states(run_dag(source, utc(2026, 1, 7))) == {"evaluations": "success"}
    seconds = time.monotonic() - started
    requests_made = sandbox.count("POST genesys evaluations/search")
    folders = partition_dirs(out_dir, "genesys", "evaluations")
    assert [folder.name for folder in folders] == [f"interval_start={day}T00:00:00Z" for day in EVENT_DAYS]
    total = 0
    for day, folder in zip(EVENT_DAYS, folders, strict=True):
        start = parse_ts(f"{day}T00:00:00Z")
        truth = sandbox.data.evaluations_changed(start, start + 86_400)
        written = manifest_records(folder)
        assert sorted(row["id"] for row in written) == [item["id"] for item in truth]  # each once, none missing
        assert {row["id"]: row for row in written} == {
            item["id"]: row for item in truth for row in evaluation_rows(item)
        }
        total += len(written)
    # among them: evaluations of calls days before, released and rescored ones
    assert total > 20 and any(row["rescore"] for f in folders for row in manifest_records(f))
    print(f"evaluations: {total} records, {requests_made} requests, {seconds:.1f} s for two sandbox days")

    before = {p.name: p.read_bytes() for p in partition_dir(out_dir, "genesys", "evaluations", EVENT_DAYS[0]).iterdir()
              if p.suffix != ".json"}  # fmt: skip
    assert task_states(run_dag(source, utc(2026, 1, 7))) == {"evaluations": "success"}
    after_rerun = {p.name: p.read_bytes()
                   for p in partition_dir(out_dir, "genesys", "evaluations", EVENT_DAYS[0]).iterdir()
                   if p.suffix != ".json"}  # fmt: skip
    assert after_rerun == before and before
