"""Speech & text analytics (issue 25): transcripts against the sandbox's ground truth, the request budget per run
(``max_requests``) respected to the request and resumed by the next runs, pre-signed downloads without a token and
only from allowed hosts, and the topics dimension."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.errors import ConfigurationError, ForeignHostError
from airflow_provider_ccanalytics.core.genesys import Communication, download_transcript
from airflow_provider_ccanalytics.core.http import HostPolicy, HttpTransport
from airflow_provider_ccanalytics.operators.budget import check_max_requests
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox, speech
from airflow_provider_ccanalytics.testing.data import parse_ts
from airflow_provider_ccanalytics.testing.sandbox import ForeignHost
from tests.conftest import manifest_records, partition_dir, partition_dirs, task_states, utc, xcom_result

TWO_DAYS = DataSpec(conversations=300, start="2026-01-01T00:00:00Z", end="2026-01-03T00:00:00Z")
DAYS = ("2026-01-01", "2026-01-02")

DAG = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow_provider_ccanalytics.operators.genesys_speech import GenesysTranscriptsOperator
with DAG("speech", schedule=None, start_date=datetime(2025, 12, 1, tzinfo=timezone.utc)) as dag:
    GenesysTranscriptsOperator(task_id="transcripts", output="{out}", start="{start}", end="{end}", {args})
"""


def truth(sandbox: Sandbox, day: str) -> list[dict[str, Any]]:
    """The transcript rows of the conversations that started on ``day``, from the sandbox's own data model."""
    start = parse_ts(f"{day}T00:00:00Z")
    rows = []
    for conversation, communication, recording in speech.transcripts_started(
        sandbox.data.conversations_started(start, start + 86_400)
    ):
        file = speech.transcript_file(conversation, communication, recording, sandbox.config.genesys_org_id)
        rows.append(
            {
                **file,
                "conversationId": conversation["conversationId"],
                "communicationId": communication,
                "recordingId": recording,
                "conversationStart": conversation["conversationStart"],
            }
        )
    return rows


def stored(out: Path) -> dict[str, list[dict[str, Any]]]:
    return {folder.name[len("interval_start=") : -len("T00:00:00Z")]: manifest_records(folder)
            for folder in partition_dirs(out, "genesys", "transcripts")}  # fmt: skip


def by_key(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((row["communicationId"], row["recordingId"]) for row in rows)


@pytest.fixture
def genesys(sandbox_factory: Any, connect: Any, airflow_db: Path) -> Iterator[Sandbox]:
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session

    with create_session() as session:
        session.query(Variable).filter(Variable.key.like("ccanalytics_budget_%")).delete(synchronize_session=False)
    sandbox = sandbox_factory(TWO_DAYS, rate_limit=None)
    # the sandbox has no rate limit here; nor does the client pace at Genesys' 300 requests a minute
    connect("genesys_cloud_default", sandbox.genesys_connection(requests_per_minute=60_000))
    yield sandbox


@pytest.mark.airflow
def test_transcripts_are_the_ground_truth_over_two_days_without_a_token_and_a_rerun_is_byte_identical(
    genesys: Sandbox, run_dag: Any, out_dir: Path
) -> None:
    source = DAG.format(out=out_dir.as_uri(), start="2026-01-01T00:00:00Z", end="2026-01-03T00:00:00Z", args="")
    before, started = genesys.stats().get("requests", 0), time.monotonic()
    run = run_dag(source, utc(2026, 1, 3))
    seconds = time.monotonic() - started
    assert task_states(run) == {"transcripts": "success"}
    requests_made = genesys.stats()["requests"] - before
    written, total = stored(out_dir), 0
    assert sorted(written) == list(DAYS)
    for day in DAYS:
        expected = truth(genesys, day)
        assert len(expected) > 20
        assert by_key(written[day]) == by_key(expected)  # each once, none missing
        assert {(r["communicationId"], r["recordingId"]): r for r in written[day]} == {
            (r["communicationId"], r["recordingId"]): r for r in expected
        }
        total += len(expected)
    files = genesys.count("GET genesys transcript file")
    assert files == total and genesys.count("transcript file with Authorization") == 0
    calls = genesys.count("GET genesys transcripturls")  # the 200s (a 404, no transcript, counts as no route)
    result = xcom_result(run, "transcripts")
    assert result["budget_reached"] is False and result["communications"]["done"] == result["communications"]["of"]
    everything = genesys.data.conversations_started(parse_ts("2026-01-01T00:00:00Z"), parse_ts("2026-01-03T00:00:00Z"))
    voice = [c for c in everything if c["participants"][0]["sessions"][0]["mediaType"] == "voice"]
    assert result["communications"]["of"] == len(voice)  # one call per customer voice communication
    assert calls == len({(r["conversationId"], r["communicationId"]) for rows in written.values() for r in rows})
    print(
        f"\ntranscripts: {total} records, {requests_made} requests ({calls} transcripturls, {files} files), "
        f"{seconds:.1f} s for two sandbox days ({TWO_DAYS.conversations} conversations)"
    )
    first = partition_dir(out_dir, "genesys", "transcripts", DAYS[0])
    data = {p.name: p.read_bytes() for p in first.iterdir() if p.suffix != ".json"}
    assert task_states(run_dag(source, utc(2026, 1, 3))) == {"transcripts": "success"}
    assert {p.name: p.read_bytes() for p in first.iterdir() if p.suffix != ".json"} == data and data


@pytest.mark.airflow
def test_the_budget_is_respected_to_the_request_and_later_runs_finish_every_transcript_once(
    genesys: Sandbox, run_dag: Any, out_dir: Path
) -> None:
    """B = 60: each run sends exactly 60 requests (every request counts: token, org, details pages,
    transcripturls, downloads), ends successfully, and the next run (the next night's window) first finishes
    the day left pending; after enough runs both days hold every transcript once."""
    budget, spent, runs = 60, [], []
    windows = [("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")] + [
        ("2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z")
    ] * 30
    for start, end in windows:
        before = genesys.stats().get("requests", 0)
        run = run_dag(
            DAG.format(out=out_dir.as_uri(), start=start, end=end, args=f"max_requests={budget}"), utc(2026, 1, 3)
        )
        assert task_states(run) == {"transcripts": "success"}
        spent.append(genesys.stats()["requests"] - before)
        result = xcom_result(run, "transcripts")
        runs.append(result)
        assert result["requests"] == spent[-1]  # the task's count is the vendor's
        if not result["budget_reached"]:
            break
        assert spent[-1] == budget  # to the request
    assert not runs[-1]["budget_reached"] and len(runs) >= 4 and spent[-1] <= budget
    assert runs[0]["checkpoint"]["pending"] == [["2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z"]]
    assert runs[0]["checkpoint"]["stopped_at"]["partition"] == "2026-01-01T00:00:00Z"
    written = stored(out_dir)
    for day in DAYS:
        rows = written[day]
        assert by_key(rows) == by_key(truth(genesys, day))  # none lost, none twice
        assert len({(r["communicationId"], r["recordingId"]) for r in rows}) == len(rows)
    manifest = json.loads((partition_dir(out_dir, "genesys", "transcripts", DAYS[0]) / "_manifest.json").read_text())
    assert manifest["transcripts"]["complete"] and manifest["available"]
    assert genesys.count("transcript file with Authorization") == 0
    print(
        f"\nbudget {budget}: {len(runs)} runs sent {spent} requests; "
        f"{sum(len(rows) for rows in written.values())} transcripts, each once"
    )


UPSTREAM = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator
with DAG("speech_upstream", schedule=None, start_date=datetime(2025, 12, 1, tzinfo=timezone.utc)) as dag:
    GenesysConversationDetailsOperator(task_id="details", output="{out}", layout="tables",
                                       start="2026-01-01T00:00:00Z", end="2026-01-02T00:00:00Z")
"""


@pytest.mark.airflow
def test_the_communications_can_come_from_the_upstream_details_partition(
    genesys: Sandbox, run_dag: Any, out_dir: Path
) -> None:
    assert task_states(run_dag(UPSTREAM.format(out=out_dir.as_uri()), utc(2026, 1, 2))) == {"details": "success"}
    listed = genesys.count("POST genesys details/query")
    source = DAG.format(out=out_dir.as_uri(), start="2026-01-01T00:00:00Z", end="2026-01-02T00:00:00Z",
                        args=f"conversations_from='{out_dir.as_uri()}'")  # fmt: skip
    assert task_states(run_dag(source, utc(2026, 1, 2))) == {"transcripts": "success"}
    assert genesys.count("POST genesys details/query") == listed  # the listing cost no request
    assert by_key(stored(out_dir)[DAYS[0]]) == by_key(truth(genesys, DAYS[0]))


@pytest.mark.airflow
def test_a_budget_below_the_fixed_cost_ends_cleanly_and_says_to_raise_it(
    genesys: Sandbox, run_dag: Any, out_dir: Path, log_text: Any
) -> None:
    before = genesys.stats().get("requests", 0)
    source = DAG.format(
        out=out_dir.as_uri(), start="2026-01-01T00:00:00Z", end="2026-01-02T00:00:00Z", args="max_requests=2"
    )
    run = run_dag(source, utc(2026, 1, 2))
    assert task_states(run) == {"transcripts": "success"}
    assert genesys.stats()["requests"] - before == 2  # token and org lookup; the details page was not sent
    assert "fetched no transcript: max_requests=2 is below its fixed cost" in log_text()
    assert "budget 2 requests reached; next run resumes at (its conversation details)" in log_text()
    assert xcom_result(run, "transcripts")["checkpoint"]["pending"] == [
        ["2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z"]
    ]


@pytest.mark.airflow
def test_a_transcript_url_on_a_foreign_host_is_refused_before_a_byte_is_sent(
    genesys: Sandbox, run_dag: Any, out_dir: Path
) -> None:
    with ForeignHost("127.0.0.2") as foreign:
        genesys.add_fault(r"/transcripturls$", status=None, times=1000, foreign_links=foreign.base_url)
        source = DAG.format(out=out_dir.as_uri(), start="2026-01-01T00:00:00Z", end="2026-01-02T00:00:00Z", args="")
        assert task_states(run_dag(source, utc(2026, 1, 2))) == {"transcripts": "failed"}
        assert genesys.count("fault foreign links") >= 1
        assert foreign.requests == []


def test_the_download_carries_no_token_and_a_host_off_the_list_raises_foreign_host_error() -> None:
    class Client:  # the transport is all a download uses
        transport = HttpTransport(hosts=HostPolicy(["https://api.mypurecloud.ie"], download_hosts=["amazonaws.com"]))

    with pytest.raises(ForeignHostError, match="download_hosts"):
        download_transcript(Client(), "https://evil.example.org/t.json?X-Amz-Signature=1")  # type: ignore[arg-type]
    assert Client.transport.stats.requests == 0
    assert Communication("2026-01-01T00:00:00.000Z", "c", "s").key == "c/s"


TOPICS_DAG = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow_provider_ccanalytics.operators.endpoints import GenesysEntitiesOperator
with DAG("topics", schedule=None, start_date=datetime(2025, 12, 1, tzinfo=timezone.utc)) as dag:
    GenesysEntitiesOperator(task_id="{entity}", entity="{entity}", output="{out}", snapshot_date="2026-01-02",
                            page_size={size}, {args})
"""


@pytest.mark.airflow
def test_the_topics_snapshot_is_the_ground_truth_paged(genesys: Sandbox, run_dag: Any, out_dir: Path) -> None:
    run = run_dag(TOPICS_DAG.format(entity="topics", out=out_dir.as_uri(), size=3, args=""), utc(2026, 1, 3))
    assert task_states(run) == {"topics": "success"}
    folder = partition_dir(out_dir, "genesys", "topics", "2026-01-02", key="snapshot_date")
    assert manifest_records(folder) == speech.topics()
    assert genesys.count("GET genesys topics") == 3  # 7 topics, 3 a page


@pytest.mark.airflow
def test_max_requests_on_a_dimension_snapshot_stops_cleanly_with_a_checkpoint(
    genesys: Sandbox, run_dag: Any, out_dir: Path
) -> None:
    before = genesys.stats().get("requests", 0)
    run = run_dag(
        TOPICS_DAG.format(entity="queues", out=out_dir.as_uri(), size=1, args="max_requests=4"), utc(2026, 1, 3)
    )
    assert task_states(run) == {"queues": "success"}
    assert genesys.stats()["requests"] - before == 4
    result = xcom_result(run, "queues")
    assert result["budget_reached"] and result["checkpoint"]["stopped_in"] == "2026-01-02"
    assert result["checkpoint"]["variable"] == "ccanalytics_budget_topics.queues"
    assert not [path for path in out_dir.rglob("*") if path.is_file()]  # no partial snapshot committed


def test_max_requests_is_checked_and_refused_where_it_is_not_honoured() -> None:
    from airflow_provider_ccanalytics.operators.endpoints import CxoneReportingOperator

    assert check_max_requests(None) is None and check_max_requests("25") == 25
    for bad in (0, -1, "many", 2.5):
        with pytest.raises(ConfigurationError, match="max_requests"):
            check_max_requests(bad)
    with pytest.raises(ConfigurationError, match="GenesysTranscriptsOperator"):
        CxoneReportingOperator(task_id="r", report="skills/summary", max_requests=10)
