"""Genesys aggregates of every family (conversations, users, flows, evaluations, surveys), by query and by job,
against the sandbox's ground truth (``testing/aggregates.py``, built from the sandbox's own data)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.genesys import AGGREGATE_FAMILIES
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.outputs import read_manifest, read_partition
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from airflow_provider_ccanalytics.testing.aggregates import FAMILY_FACTS, aggregate
from airflow_provider_ccanalytics.testing.data import parse_ts
from tests import clients
from tests.conftest import partition_dir, task_states, utc
from tests.support.state_store import MemoryStateStore

DAYS = ("2026-01-01", "2026-01-02")
SPEC = DataSpec(conversations=2000, end="2026-01-03T00:00:00Z")
#: the operator arguments each family's DAG test uses (the family's defaults, plus a time dimension where useful)
OPTIONS: dict[str, dict[str, Any]] = {
    "conversations": {"group_by": ["queueId", "mediaType"], "granularity": "PT1H"},
    "users": {"granularity": "PT1H"},
    "flows": {},
    "evaluations": {"alternate_time_dimension": "conversationStart"},
    "surveys": {"alternate_time_dimension": "surveyCreatedDate"},
}

DAG_TEMPLATE = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.genesys_aggregates import GenesysAggregatesOperator

with DAG("aggregates_test", schedule=CronDataIntervalTimetable('0 0 * * *', timezone='UTC'),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    GenesysAggregatesOperator(task_id='agg', family={family!r}, output={out!r}, {options})
"""


def flat(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ground-truth ``results`` as rows, flattened here (not by the client)."""
    rows = []
    for result in results:
        for bucket in result["data"]:
            for metric in bucket["metrics"]:
                for stat, value in metric["stats"].items():
                    extra = {"qualifier": metric["qualifier"]} if "qualifier" in metric else {}
                    rows.append(
                        {**result["group"], "interval": bucket["interval"], "metric": metric["metric"], **extra}
                        | {"stat": stat, "value": value}
                    )
    return canonical(rows)


def canonical(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without null columns, in a stable order (the typed writer adds the declared columns as nulls)."""
    kept = [{key: value for key, value in row.items() if value is not None and key != "_extra"} for row in rows]
    return sorted(kept, key=lambda row: json.dumps(row, sort_keys=True))


def truth(sandbox: Sandbox, family: str, day: str, options: dict[str, Any]) -> list[dict[str, Any]]:
    """The sandbox's answer for ``family`` over one day, from its own data model."""
    declared = AGGREGATE_FAMILIES[family]
    metrics = list(options.get("metrics") or declared.default_metrics)
    group_by = list(options.get("group_by", declared.default_group_by))
    granularity = options.get("granularity") or "P1D"
    start = parse_ts(f"{day}T00:00:00Z")
    if family == "conversations":
        return flat(sandbox.data.aggregates(start, start + 86400, granularity, group_by, metrics))
    step = {"P1D": 86400.0, "PT1H": 3600.0}[granularity]
    dimension = options.get("alternate_time_dimension") or "eventTime"
    facts = FAMILY_FACTS[family](sandbox.data)
    return flat(aggregate(facts, start, start + 86400, step, group_by, metrics, dimension))


def written(out_dir: Path, family: str, day: str) -> list[dict[str, Any]]:
    folder = partition_dir(out_dir, "genesys", AGGREGATE_FAMILIES[family].dataset, day)
    return canonical(list(read_partition(f"file://{folder}")))


def dag(family: str, out_dir: Path, **options: Any) -> str:
    rendered = ", ".join(f"{key}={value!r}" for key, value in options.items())
    return DAG_TEMPLATE.format(family=family, out=out_dir.as_uri(), options=rendered)


@pytest.mark.airflow
@pytest.mark.parametrize("family", list(OPTIONS))
def test_each_family_by_query_is_exact_over_two_days_and_reruns_identically(
    family: str, sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    sandbox = sandbox_factory(SPEC, rate_limit=None)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    source = dag(family, out_dir, **OPTIONS[family])
    for day in (2, 3):
        assert task_states(run_dag(source, utc(2026, 1, day))) == {"agg": "success"}
    for day in DAYS:
        expected = truth(sandbox, family, day, OPTIONS[family])
        assert expected, f"{family} {day}: the ground truth is empty; the test would prove nothing"
        assert written(out_dir, family, day) == expected, day
    folder = partition_dir(out_dir, "genesys", AGGREGATE_FAMILIES[family].dataset, DAYS[0])
    manifest = read_manifest(f"file://{folder}")
    assert manifest is not None and manifest["record_count"] == len(truth(sandbox, family, DAYS[0], OPTIONS[family]))
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix != ".json"}
    assert task_states(run_dag(source, utc(2026, 1, 2))) == {"agg": "success"}
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix != ".json"} == before
    route = "POST genesys aggregates/query" if family == "conversations" else f"POST genesys {family} aggregates/query"
    assert sandbox.count(route) == 3  # one query per partition and run


@pytest.mark.airflow
@pytest.mark.parametrize(
    ("family", "deferrable"),
    [("users", True), ("flows", True), ("surveys", True), ("conversations", False), ("evaluations", False)],
)
def test_an_aggregates_job_is_exact_deferred_or_in_place(
    family: str,
    deferrable: bool,
    sandbox_factory: Callable[..., Sandbox],
    connect: Any,
    run_dag: Callable[..., Any],
    out_dir: Path,
) -> None:
    sandbox = sandbox_factory(SPEC, rate_limit=None, job_seconds=1.0)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    options = {**OPTIONS[family], "mode": "job", "deferrable": deferrable, "poll_interval": 0.3}
    source = dag(family, out_dir, **options)
    for day in (2, 3):
        assert task_states(run_dag(source, utc(2026, 1, day))) == {"agg": "success"}
    for day in DAYS:
        assert written(out_dir, family, day) == truth(sandbox, family, day, OPTIONS[family]), day
    assert sandbox.count(f"POST genesys {family} aggregates jobs create") == 2  # one job per run
    assert sandbox.count(f"GET genesys {family} aggregates jobs results") >= 2
    assert sandbox.count(f"GET genesys {family} aggregates jobs status") >= 2


@pytest.mark.parametrize(
    ("family", "dimension"),
    [("evaluations", "evaluationReleaseDate"), ("evaluations", "evaluationCreatedDate"), ("surveys", None)],
)
def test_alternate_time_dimensions_through_the_client(
    family: str, dimension: str | None, sandbox_factory: Callable[..., Sandbox]
) -> None:
    sandbox = sandbox_factory(SPEC, rate_limit=None)
    client = clients.genesys(sandbox)
    options = {"alternate_time_dimension": dimension}
    body = AGGREGATE_FAMILIES[family].body(granularity="P1D", alternate_time_dimension=dimension)
    day = DAYS[1]
    rows = list(client.iter_aggregate_rows(Window.of(f"{day}T00:00:00Z", "2026-01-03T00:00:00Z"), body, family))
    expected = truth(sandbox, family, day, options)
    assert expected and canonical(rows) == expected


def test_many_result_groups_page_by_cursor(sandbox_factory: Callable[..., Sandbox]) -> None:
    from airflow_provider_ccanalytics.core.genesys import GENESYS_AGGREGATE_JOBS

    sandbox = sandbox_factory(SPEC, rate_limit=None, job_seconds=0.2)
    client = clients.genesys(sandbox)
    client.settings.job_page_size = 7  # the job's pageSize: 25 users make 4 pages
    window = Window.of("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
    jobs = GENESYS_AGGREGATE_JOBS["users"]
    job_id = jobs.submit(client, window, body=AGGREGATE_FAMILIES["users"].body())
    jobs.wait(client, job_id, 0.1, 60)
    assert canonical(list(jobs.results(client, job_id, window))) == truth(sandbox, "users", DAYS[0], {})
    assert sandbox.count("GET genesys users aggregates jobs results") == 4


@pytest.mark.parametrize(
    ("arguments", "field", "hint"),
    [
        ({"family": "flows", "metrics": ["nOffered"]}, "metrics", "nFlow"),
        ({"family": "users", "group_by": ["queueId"]}, "group_by", "userId"),
        ({"family": "surveys", "alternate_time_dimension": "evaluationReleaseDate"}, "alternate", "surveyCreated"),
        ({"family": "speech"}, "family", "evaluations"),
        ({"family": "users", "mode": "jobs"}, "mode", "'job'"),
    ],
)
def test_a_wrong_metric_dimension_or_family_is_a_typed_error_naming_the_fix(
    arguments: dict[str, Any], field: str, hint: str
) -> None:
    from airflow_provider_ccanalytics.operators.genesys_aggregates import GenesysAggregatesOperator

    with pytest.raises(ConfigurationError) as raised:
        GenesysAggregatesOperator(task_id="agg", **arguments)
    assert field in str(raised.value) and hint in str(raised.value)


def test_the_old_import_path_and_the_named_operators() -> None:
    from airflow_provider_ccanalytics import operators
    from airflow_provider_ccanalytics.operators.genesys import GenesysConversationAggregatesOperator

    assert GenesysConversationAggregatesOperator is operators.GenesysConversationAggregatesOperator
    for name, dataset in [
        ("GenesysUserAggregatesOperator", "user_aggregates"),
        ("GenesysFlowAggregatesOperator", "flow_aggregates"),
        ("GenesysEvaluationAggregatesOperator", "evaluation_aggregates"),
        ("GenesysSurveyAggregatesOperator", "survey_aggregates"),
    ]:
        operator = getattr(operators, name)(task_id="agg")
        assert operator.dataset == dataset and operator.job_type.name == f"genesys.{dataset}_jobs"


@pytest.mark.parametrize("family", list(AGGREGATE_FAMILIES))
def test_lineage_names_the_family_query_or_its_jobs(family: str) -> None:
    from airflow_provider_ccanalytics.operators.genesys_aggregates import GenesysAggregatesOperator
    from airflow_provider_ccanalytics.operators.lineage import endpoint_paths

    by_query = GenesysAggregatesOperator(task_id="q", family=family)
    by_job = GenesysAggregatesOperator(task_id="j", family=family, mode="job")
    assert endpoint_paths(by_query) == [f"/api/v2/analytics/{family}/aggregates/query"]
    assert endpoint_paths(by_job) == [f"/api/v2/analytics/{family}/aggregates/jobs"]


def test_the_readme_aggregates_table_is_generated_from_the_declarations() -> None:
    from airflow_provider_ccanalytics.core.genesys import aggregates_docs_table

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    table = readme.split("<!-- aggregates-table")[1].split("-->", 1)[1].split("<!-- /aggregates-table -->")[0]
    assert table.strip() == aggregates_docs_table(), "regenerate the README's table from aggregates_docs_table()"


@pytest.mark.airflow
def test_a_retry_reattaches_to_the_aggregates_job_an_earlier_try_started(
    sandbox_factory: Callable[..., Sandbox], connect: Any, monkeypatch: pytest.MonkeyPatch, airflow_db: Path
) -> None:
    from airflow_provider_ccanalytics.core.genesys import GENESYS_AGGREGATE_JOBS
    from airflow_provider_ccanalytics.operators import resume
    from airflow_provider_ccanalytics.operators.genesys_aggregates import GenesysAggregatesOperator

    sandbox = sandbox_factory(SPEC, rate_limit=None, job_seconds=0.5)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    store = MemoryStateStore()
    monkeypatch.setattr(resume, "task_state_store", lambda: store)
    window = Window.of("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
    operator = GenesysAggregatesOperator(
        task_id="agg",
        family="surveys",
        mode="job",
        deferrable=False,
        poll_interval=0.2,
        start=f"{DAYS[0]}T00:00:00Z",
        end=f"{DAYS[1]}T00:00:00Z",
    )
    jobs = GENESYS_AGGREGATE_JOBS["surveys"]
    earlier = jobs.submit(operator.hook.client, window, body=operator.body())  # the try that died
    resume.remember_job(earlier, jobs, window)
    rows = operator.execute({})
    assert canonical(rows) == truth(sandbox, "surveys", DAYS[0], {})
    assert sandbox.count("POST genesys surveys aggregates jobs create") == 1  # reattached, none submitted
    assert operator.job_id == earlier and store.values == {}  # forgotten once written
