"""Dimension snapshots and CXone reporting summaries in real Airflow (dag.test()) against the sandbox.

Each snapshot is every entity of the list once, paged across several pages; the ids in a day's conversations
resolve in that day's snapshots; a toy endpoint declared here gets an operator for free (the sandbox serves it
once the test adds the route on the sandbox's side, which never reads the client's declarations).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.catalog import docs_table, register, unregister
from airflow_provider_ccanalytics.core.datasets import Endpoint
from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.records import string
from airflow_provider_ccanalytics.operators.endpoints import CxoneReportingOperator, GenesysEntitiesOperator
from airflow_provider_ccanalytics.outputs import read_partition
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from airflow_provider_ccanalytics.testing.sandbox import ListRoute, register_sandbox_route, unregister_sandbox_route
from tests.conftest import ROOT, manifest_records, partition_dir, task_states, utc, xcom_result
from tests.test_fidelity_cxone import expected_row

pytestmark = pytest.mark.airflow

DAY = "2026-01-01"
GENESYS_LISTS = ("users", "queues", "wrapupcodes", "divisions", "skills", "languages", "flows")
DAG_TEMPLATE = """
from datetime import datetime, timezone
from airflow.sdk import DAG, Asset
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.endpoints import (
    CxoneEntitiesOperator, CxoneReportingOperator, EndpointOperator, GenesysEntitiesOperator)
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator

with DAG("dimensions_test", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
{operators}
"""


def dag_source(*operators: str) -> str:
    return DAG_TEMPLATE.format(operators="\n".join(f"    {line}" for line in operators))


def snapshot(out: Path, vendor: str, dataset: str, day: str = DAY) -> Path:
    return partition_dir(out, vendor, dataset, day, key="snapshot_date")


def genesys_dag(out: Path) -> str:
    lists = [
        f"GenesysEntitiesOperator(task_id='{name}', entity='{name}', output='{out.as_uri()}', page_size=4"
        + (", expand=['skills']" if name == "users" else "")
        + ")"
        for name in GENESYS_LISTS
    ]
    return dag_source(
        *lists,
        f"GenesysEntitiesOperator(task_id='queues_parquet', entity='queues', output='{(out / 'typed').as_uri()}', "
        "output_format='parquet', page_size=4)",
        f"GenesysConversationDetailsOperator(task_id='details', output='{out.as_uri()}', lookback=None)",
    )


def test_genesys_snapshots_are_the_ground_truth_and_resolve_every_conversation_id(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=400))
    connect("genesys_cloud_default", sandbox.genesys_connection())
    run = run_dag(genesys_dag(out_dir), utc(2026, 1, 2))
    assert set(task_states(run).values()) == {"success"}, task_states(run)

    for name in GENESYS_LISTS:
        expand = frozenset({"skills"}) if name == "users" else frozenset()
        truth = sandbox.data.entities("genesys", name, expand)
        folder = snapshot(out_dir, "genesys", name)
        records = manifest_records(folder)
        assert records == truth, name  # every entity once, in the API's order, across pages
        assert len({r["id"] for r in records}) == len(records)
        manifest = json.loads((folder / "_manifest.json").read_text())
        assert manifest["snapshot_date"] == DAY and manifest["record_count"] == len(truth)
        assert "window" not in manifest and (folder / "_SUCCESS").exists()
    # paged: users are 25 at 4 a page (7 pages), each page asked once
    assert sandbox.count("GET genesys users") == 7
    assert any(user["state"] == "deleted" for user in manifest_records(snapshot(out_dir, "genesys", "users")))

    typed = list(read_partition(f"file://{snapshot(out_dir / 'typed', 'genesys', 'queues')}"))
    assert [(q["id"], q["name"], q["division"]) for q in typed] == [
        (q["id"], q["name"], q["division"]) for q in sandbox.data.entities("genesys", "queues")
    ]

    ids: dict[str, set[str]] = {key: set() for key in ("queue", "user", "wrapup", "division", "skill", "language")}
    conversations = manifest_records(partition_dir(out_dir, "genesys", "conversation_details", DAY))
    assert len(conversations) == 400
    for conversation in conversations:
        ids["division"].update(conversation["divisionIds"])
        for participant in conversation["participants"]:
            ids["user"].update([participant["userId"]] if participant.get("userId") else [])
            for session in participant["sessions"]:
                for segment in session["segments"]:
                    ids["queue"].update([segment["queueId"]] if "queueId" in segment else [])
                    ids["wrapup"].update([segment["wrapUpCode"]] if "wrapUpCode" in segment else [])
                    ids["skill"].update(segment.get("requestedRoutingSkillIds") or [])
                    ids["language"].update([segment["requestedLanguageId"]] if "requestedLanguageId" in segment else [])
    lists = {"queue": "queues", "user": "users", "wrapup": "wrapupcodes", "division": "divisions"}
    lists |= {"skill": "skills", "language": "languages"}
    for kind, name in lists.items():
        known = {record["id"] for record in manifest_records(snapshot(out_dir, "genesys", name))}
        assert ids[kind], f"no {kind} ids in the conversations: the check would be empty"
        assert ids[kind] <= known, f"{kind} ids missing from the {name} snapshot: {sorted(ids[kind] - known)[:3]}"


def test_a_rerun_replaces_only_its_own_snapshot_date(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=10))
    connect("genesys_cloud_default", sandbox.genesys_connection())
    source = dag_source(f"GenesysEntitiesOperator(task_id='queues', entity='queues', output='{out_dir.as_uri()}')")
    assert task_states(run_dag(source, utc(2026, 1, 2))) == {"queues": "success"}
    assert task_states(run_dag(source, utc(2026, 1, 3))) == {"queues": "success"}
    first, second = snapshot(out_dir, "genesys", "queues"), snapshot(out_dir, "genesys", "queues", "2026-01-02")
    kept = {p.name: p.read_bytes() for p in first.iterdir()}
    (second / "part-09999.jsonl.gz").write_bytes(b"left over by an older run")
    assert task_states(run_dag(source, utc(2026, 1, 3))) == {"queues": "success"}
    assert sorted(p.name for p in second.iterdir() if p.name.startswith("part-")) == ["part-00000.jsonl.gz"]
    assert manifest_records(second) == sandbox.data.entities("genesys", "queues")
    assert {p.name: p.read_bytes() for p in first.iterdir()} == kept  # the other date is untouched


def test_cxone_entities_and_summaries_are_the_ground_truth(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    sandbox = sandbox_factory(DataSpec(contacts=600))
    connect("nice_cxone_default", sandbox.cxone_connection())
    uri = out_dir.as_uri()
    source = dag_source(
        *(
            f"CxoneEntitiesOperator(task_id='{name}', entity='{name}', output='{uri}', page_size=60)"
            for name in ("agents", "skills", "teams")
        ),
        f"CxoneReportingOperator(task_id='skills_summary', report='skills/summary', output='{uri}', page_size=5)",
        f"CxoneReportingOperator(task_id='teams_performance', report='teams/performance-total', output='{uri}')",
    )
    run = run_dag(source, utc(2026, 1, 2))
    assert set(task_states(run).values()) == {"success"}, task_states(run)
    for name in ("agents", "skills", "teams"):
        # the agents' `apiKey` (NICE's spec has one) never reaches the snapshot
        truth = [{k: v for k, v in row.items() if k != "apiKey"} for row in sandbox.data.entities("cxone", name)]
        assert manifest_records(snapshot(out_dir, "cxone", name)) == truth, name
    assert sandbox.count("GET cxone agents") == 4  # 200 agents, 60 a page
    start = utc(2026, 1, 1).timestamp()
    for dataset in ("skills_summary", "teams_performance_total"):
        folder = partition_dir(out_dir, "cxone", dataset, DAY)
        truth = sandbox.data.cxone_summary(dataset, start, start + 86400)
        assert truth and manifest_records(folder) == [expected_row(dataset, row, "spec") for row in truth], dataset
        manifest = json.loads((folder / "_manifest.json").read_text())
        assert manifest["window"]["start"] == f"{DAY}T00:00:00.000Z" and manifest["record_count"] == len(truth)
    assert sum(row["contactsOffered"] for row in sandbox.data.cxone_summary("skills_summary", start, start + 86400))
    # the spec's summaries answer the whole list and take no skip/top: one request, whatever page_size says
    assert sandbox.count("GET cxone skills_summary") == 1


@pytest.fixture
def toy_endpoint() -> Iterator[Endpoint]:
    widgets = [{"id": f"w{i}", "name": f"Widget {i}", "colour": "blue"} for i in range(5)]
    endpoint = register(
        Endpoint("genesys", "toy_widgets", "/api/v2/toy/widgets", "entities", schema=string("id", "name"))
    )
    route = register_sandbox_route(
        ListRoute("genesys", "/api/v2/toy/widgets", "toy_widgets", paging="platform", records_key="entities"),
        lambda data, query: widgets,
    )
    yield endpoint
    unregister(endpoint.name)
    unregister_sandbox_route(route)


def test_a_toy_endpoint_declaration_gives_a_working_operator(
    toy_endpoint: Endpoint,
    sandbox_factory: Callable[..., Sandbox],
    connect: Any,
    run_dag: Callable[..., Any],
    out_dir: Path,
) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=10))
    connect("genesys_cloud_default", sandbox.genesys_connection())
    uri = out_dir.as_uri()
    source = dag_source(
        f"EndpointOperator(task_id='toy', vendor='genesys', dataset='toy_widgets', output='{uri}', page_size=2, "
        f"outlets=[Asset('{uri}/genesys/toy_widgets')])",
        "EndpointOperator(task_id='toy_xcom', vendor='genesys', dataset='toy_widgets')",
        f"GenesysEntitiesOperator(task_id='toy_typed', entity='toy_widgets', output='{(out_dir / 't').as_uri()}', "
        "output_format='parquet', snapshot_date='2026-02-03')",
    )
    run = run_dag(source, utc(2026, 1, 2))
    assert task_states(run) == {"toy": "success", "toy_xcom": "success", "toy_typed": "success"}
    expected = [{"id": f"w{i}", "name": f"Widget {i}", "colour": "blue"} for i in range(5)]
    assert manifest_records(snapshot(out_dir, "genesys", "toy_widgets")) == expected
    assert xcom_result(run, "toy_xcom") == expected
    assert sandbox.count("GET genesys toy_widgets") == 3 + 1 + 1  # 5 at 2 a page; then one page of 100, twice
    typed = snapshot(out_dir / "t", "genesys", "toy_widgets", "2026-02-03")
    assert list(read_partition(f"file://{typed}")) == expected  # colour kept in _extra
    assert json.loads((typed / "_manifest.json").read_text())["schema"] == {"records": 1}  # declared (undeclared: 0)
    assert "| genesys | `toy_widgets` | `GET /api/v2/toy/widgets` |" in docs_table("genesys")


def test_the_contact_centre_model_example_writes_snapshots_and_conversations_of_one_day(
    sandbox_factory: Callable[..., Sandbox],
    connect: Any,
    run_dag: Callable[..., Any],
    out_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=300))
    connect("genesys_cloud_default", sandbox.genesys_connection())
    monkeypatch.setenv("CCANALYTICS_MODEL_OUTPUT", out_dir.as_uri())
    run = run_dag((ROOT / "example_dags" / "contact_centre_model.py").read_text(), utc(2026, 1, 2), "model")
    assert set(task_states(run).values()) == {"success"} and len(task_states(run)) == 8, task_states(run)
    queues = manifest_records(snapshot(out_dir, "genesys", "queues"))  # what the demo reads: id and name
    assert [(q["id"], q["name"]) for q in queues] == [
        (q["id"], q["name"]) for q in sandbox.data.entities("genesys", "queues")
    ]
    day = partition_dir(out_dir, "genesys", "conversation_details", DAY)
    assert len(manifest_records(day)) == 300
    activity = partition_dir(out_dir, "genesys", "user_details", DAY)
    assert manifest_records(activity), "the day's agent activity is written beside its conversations"


def test_unknown_names_and_options_are_refused_with_the_declared_ones() -> None:
    with pytest.raises(ConfigurationError, match="queues"):
        GenesysEntitiesOperator(task_id="x", entity="queue")
    with pytest.raises(ConfigurationError, match="expand"):
        GenesysEntitiesOperator(task_id="x", entity="queues", expand=["division"])
    with pytest.raises(ConfigurationError, match="skills_summary"):
        CxoneReportingOperator(task_id="x", report="agents")


def test_the_readme_endpoint_table_is_docs_table() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- endpoint-table:start -->\n", 1)[1].split("\n<!-- endpoint-table:end -->", 1)[0]
    assert table == docs_table(), "regenerate the README's endpoint table from core.catalog.docs_table()"


def test_a_nested_column_group_is_refused_with_the_fix() -> None:
    """``(string("id"), string("name"))`` is a tuple of groups, not of columns: refused when declared."""
    with pytest.raises(ConfigurationError, match=r"genesys.toy_bad: columns must be Column values.*columns\("):
        Endpoint("genesys", "toy_bad", "/api/v2/toy/bad", "entities", schema=(string("id"), string("name")))  # type: ignore[arg-type]
