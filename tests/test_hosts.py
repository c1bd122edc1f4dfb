"""Tokens stay home: the bearer token and client credentials go only to the connection's hosts.

Over the wire: the sandbox's ``foreign_links`` and ``redirect_to`` faults point a ``nextUri``, a ``resultFileURL``, a
pre-signed ``result.url`` or a redirect at a :class:`ForeignHost` on another loopback address, which records every
header it is sent. The other host must never see an Authorization header, and nothing it answers is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.errors import ForeignHostError
from airflow_provider_ccanalytics.core.http import HostPolicy, HttpTransport
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.testing import Sandbox
from airflow_provider_ccanalytics.testing.sandbox import ForeignHost
from tests.conftest import task_states, utc

pytestmark = pytest.mark.airflow

ORG = "/genesys/api/api/v2/organizations/me"


@pytest.fixture
def foreign() -> Iterator[ForeignHost]:
    with ForeignHost("127.0.0.2") as host:
        yield host


def test_the_policy_trusts_the_connections_hosts_discovery_and_the_setting_only() -> None:
    policy = HostPolicy(
        ["https://api.mypurecloud.ie", "http://127.0.0.1:8080/genesys/api"],
        extra_hosts=["proxy.example.com"],
        download_hosts=["amazonaws.com"],
        discover=[lambda: "https://api-c32.nice-incontact.com/inContactAPI"],
    )
    assert policy.trusted("https://api.mypurecloud.ie/api/v2/users")
    assert not policy.trusted("http://api.mypurecloud.ie/api/v2/users")  # another port (80): another host
    assert not policy.trusted("http://127.0.0.1:8081/x")
    assert policy.trusted("https://proxy.example.com:8443/x")
    policy.check("https://bucket.s3.amazonaws.com/f.csv?sig=1", credentials=False, what="GET download")
    with pytest.raises(ForeignHostError) as refused:
        policy.check("https://bucket.s3.amazonaws.com/f.csv", credentials=True, what="GET nextUri")
    assert "bucket.s3.amazonaws.com" in str(refused.value) and "allowed_hosts" in str(refused.value)
    assert refused.value.field == "allowed_hosts"
    policy.check("https://api-c32.nice-incontact.com/inContactAPI/x", credentials=True, what="GET")  # discovered
    with pytest.raises(ForeignHostError, match="download_hosts"):
        policy.check("https://evil.example.org/f.csv", credentials=False, what="GET download")


def genesys_hook(sandbox: Sandbox, connect: Any, **extra: Any) -> GenesysCloudHook:
    connect("genesys_cloud_default", sandbox.genesys_connection(**extra))
    return GenesysCloudHook(share_tokens=False)


def test_an_absolute_url_to_another_host_is_refused_before_the_token_is_sent(
    sandbox: Sandbox, connect: Any, foreign: ForeignHost
) -> None:
    client = genesys_hook(sandbox, connect).get_conn()
    with pytest.raises(ForeignHostError) as refused:
        client.call("GET", f"{foreign.base_url}/api/v2/users")
    assert "127.0.0.2" in str(refused.value) and "allowed_hosts" in str(refused.value)
    assert foreign.requests == []


def test_the_allowed_hosts_setting_extends_the_list(sandbox: Sandbox, connect: Any, foreign: ForeignHost) -> None:
    client = genesys_hook(sandbox, connect, allowed_hosts=f"example.invalid, {foreign.base_url[7:]}").get_conn()
    assert client.call_json("GET", f"{foreign.base_url}/api/v2/users")["entities"]
    assert len(foreign.authorizations()) == 1  # the user said so


def test_a_next_uri_on_another_host_fails_the_task_and_writes_nothing(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], out_dir: Path, foreign: ForeignHost
) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection())
    sandbox.add_fault(r"/api/v2/routing/queues$", status=None, foreign_links=foreign.base_url)
    run = run_dag(
        f"""
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.endpoints import GenesysEntitiesOperator

with DAG("hosts_test", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    GenesysEntitiesOperator(task_id='queues', entity='queues', output='{out_dir.as_uri()}', page_size=4)
""",
        utc(2026, 1, 2),
    )
    assert sandbox.count("fault foreign links") == 1
    assert task_states(run) == {"queues": "failed"}
    assert foreign.requests == []
    assert not list(out_dir.rglob("_manifest.json"))  # nothing committed
    assert not [path for path in out_dir.rglob("*") if path.is_file()]


@pytest.mark.parametrize("status", [307, 302, 301])
def test_a_redirect_to_another_host_is_refused_not_followed(
    sandbox: Sandbox, connect: Any, foreign: ForeignHost, status: int
) -> None:
    client = genesys_hook(sandbox, connect).get_conn()
    sandbox.add_fault(ORG, status=status, redirect_to=foreign.base_url + "/genesys/api")
    with pytest.raises(ForeignHostError) as refused:
        client.organization_id  # noqa: B018 (the org lookup names the partition folder)
    assert f"a {status} redirect" in str(refused.value) and "127.0.0.2" in str(refused.value)
    assert foreign.requests == []
    assert sandbox.count("fault redirect") == 1


def test_a_redirect_on_the_same_host_is_followed(sandbox: Sandbox, connect: Any) -> None:
    client = genesys_hook(sandbox, connect).get_conn()
    sandbox.add_fault(ORG, status=307, redirect_to=sandbox.base_url)
    assert client.organization_id == sandbox.config.genesys_org_id
    assert sandbox.count("fault redirect") == 1


def test_the_token_request_is_refused_on_a_foreign_host_too(foreign: ForeignHost) -> None:
    """Basic client auth is a credential: a token endpoint off the list gets nothing."""
    transport = HttpTransport(hosts=HostPolicy(["https://login.mypurecloud.ie"]))
    with pytest.raises(ForeignHostError):
        transport.request("POST", f"{foreign.base_url}/oauth/token", auth=("id", "secret"), data={})
    assert foreign.requests == []


CXONE_DAG = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.cxone import CxoneDataExtractionOperator, CxoneReportJobOperator

with DAG("hosts_cxone", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    {operator}
"""


def test_a_report_result_file_url_on_another_host_fails_and_writes_nothing(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], out_dir: Path, foreign: ForeignHost
) -> None:
    sandbox.config.extraction_seconds = 0.2
    connect("nice_cxone_default", sandbox.cxone_connection())
    sandbox.add_fault(r"/report-jobs/[^/]+$", status=None, method="GET", times=1000, foreign_links=foreign.base_url)
    operator = (
        f"CxoneReportJobOperator(task_id='report', report_id='{sandbox.REPORT_ID}', poll_interval=0.2, "
        f"output='{out_dir.as_uri()}')"
    )
    run = run_dag(CXONE_DAG.format(operator=operator), utc(2026, 1, 2))
    assert task_states(run) == {"report": "failed"}
    assert sandbox.count("fault foreign links") >= 1
    assert foreign.requests == []
    assert not [path for path in out_dir.rglob("*") if path.is_file()]


@pytest.mark.parametrize("listed", [False, True])
def test_a_presigned_download_goes_only_to_a_download_host_and_never_with_the_token(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], out_dir: Path, foreign: ForeignHost, listed: bool
) -> None:
    sandbox.config.extraction_seconds = 0.2
    extra = {"download_hosts": "127.0.0.2"} if listed else {}
    connect("nice_cxone_default", sandbox.cxone_connection(**extra))
    sandbox.add_fault(
        r"/data-extraction/v1/jobs/[^/]+$", status=None, method="GET", times=1000, foreign_links=foreign.base_url
    )
    operator = (
        "CxoneDataExtractionOperator(task_id='extract', entity_name='recording-interaction-metadata', version='7', "
        f"poll_interval=0.2, output='{out_dir.as_uri()}')"
    )
    run = run_dag(CXONE_DAG.format(operator=operator), utc(2026, 1, 2))
    assert foreign.authorizations() == []
    if listed:  # the user's own download host: fetched, without the bearer token
        assert foreign.requests and task_states(run) == {"extract": "success"}
    else:
        assert foreign.requests == [] and task_states(run) == {"extract": "failed"}
        assert not [path for path in out_dir.rglob("*") if path.is_file()]
