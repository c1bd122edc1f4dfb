"""Bad input fails before any request with a typed error that says what to change; changed credentials
take a new token at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.auth import TokenManager
from airflow_provider_ccanalytics.core.errors import (
    ConfigurationError,
    InvalidClientError,
    ResultUrlExpiredError,
)
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.hooks.cxone import NiceCxoneHook
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.operators.genesys import (
    GenesysConversationDetailsJobOperator,
    GenesysConversationDetailsOperator,
)
from airflow_provider_ccanalytics.testing import Sandbox
from tests import clients
from tests.conftest import DAY_WINDOW, HOUR_WINDOW, task_states, utc

DAY, HOUR = DAY_WINDOW, HOUR_WINDOW


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ("{login_url: https://login.private-link.test}", "not valid JSON"),
        ('["login_url", "https://login.private-link.test"]', "JSON list, not an object"),
        ('"https://login.private-link.test"', "JSON str, not an object"),
    ],
    ids=["not-json", "json-list", "json-string"],
)
def test_extras_that_are_not_a_json_object_fail_before_any_request(
    sandbox: Sandbox, connect: Any, extra: str, says: str
) -> None:
    connection = {**sandbox.genesys_connection(), "extra": extra}
    hook = GenesysCloudHook(connect("g_extras", connection))
    with pytest.raises(ConfigurationError) as caught:
        hook.get_conn()
    assert caught.value.field == "extra" and says in str(caught.value)
    assert "private-link" not in str(caught.value)  # the raw extras (which may hold secrets) are not echoed
    assert sandbox.count("requests") == 0


@pytest.mark.parametrize(
    ("api_url", "says"),
    [
        ("api.mypurecloud.ie", "must start with https://"),
        ("ftp://files.example.com/api", "must start with https://"),
        ("https://", "has no valid host"),
        ("http://[::1", "is not a URL"),
        ("https://api.example.com:99999", "is not a URL"),
        ("https://api.example .com", "has no valid host"),
        ("https://api.example.com/?token=x", "without '?'"),
    ],
)
def test_a_base_url_that_is_not_one_is_a_typed_error_naming_the_field(
    sandbox: Sandbox, connect: Any, api_url: str, says: str
) -> None:
    hook = GenesysCloudHook(connect("g_url", sandbox.genesys_connection(api_url=api_url)))
    with pytest.raises(ConfigurationError) as caught:
        hook.get_conn()
    assert caught.value.field == "api_url" and says in str(caught.value)
    assert sandbox.count("requests") == 0
    cxone = NiceCxoneHook(connect("c_url", sandbox.cxone_connection(issuer=api_url)))
    with pytest.raises(ConfigurationError, match="issuer"):
        cxone.get_conn()


def test_a_query_that_is_not_a_mapping_is_refused_when_the_dag_is_built() -> None:
    for operator in (GenesysConversationDetailsOperator, GenesysConversationDetailsJobOperator):
        with pytest.raises(ConfigurationError, match="query: must be a mapping"):
            operator(task_id="details", query=["segmentFilters"])  # type: ignore[arg-type]


@pytest.mark.airflow
def test_a_query_template_that_renders_to_no_mapping_fails_before_any_request(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any]
) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection())
    source = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator
with DAG("bad_query", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    GenesysConversationDetailsOperator(task_id="details", query="{{ ds }}")
"""
    assert task_states(run_dag(source, utc(2026, 1, 2))) == {"details": "failed"}
    assert sandbox.count("requests") == 0


def test_a_result_url_that_keeps_expiring_says_so_not_grant_a_permission(sandbox: Sandbox) -> None:
    sandbox.config.extraction_seconds = 0.0
    sandbox.config.extraction_create_interval = 0
    client = clients.cxone(sandbox)
    job_id = client.create_extraction_job("completed-contacts", "1", DAY)
    expired = '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>'
    sandbox.add_fault("/cxone/files/", status=403, times=99, body=expired)
    with pytest.raises(ResultUrlExpiredError) as caught:
        list(client.iter_extraction_rows(job_id))
    text = str(caught.value)
    assert f"job {job_id}" in text and "3 time(s)" in text and "clock" in text and "not a permission" in text
    assert "Grant" not in text
    assert sandbox.count("fault 403") == 3


@pytest.mark.parametrize("naive", ["2026-01-01T00:00:00", "2026-01-01", datetime(2026, 1, 1)])
def test_a_naive_start_string_is_refused_like_a_naive_datetime(naive: Any) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Window.of(naive, "2026-01-02T00:00:00Z")
    assert caught.value.field == "start" and "time zone" in str(caught.value)
    assert Window.of("2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00Z") == DAY


@pytest.mark.airflow
@pytest.mark.usefixtures("airflow_db")
def test_changed_credentials_take_a_new_token_at_once(sandbox: Sandbox, connect: Any) -> None:
    good = sandbox.genesys_connection()
    assert list(GenesysCloudHook(connect("g_creds", good)).client.iter_details_in(HOUR))
    assert sandbox.count("tokens issued genesys") == 1
    wrong = {**good, "password": "a-wrong-secret"}
    with pytest.raises(InvalidClientError):  # not the stored token of the old secret
        list(GenesysCloudHook(connect("g_creds", wrong)).client.iter_details_in(HOUR))
    assert sandbox.count("status 401") == 1  # the token request with the wrong secret, refused at once
    assert list(GenesysCloudHook(connect("g_creds", good)).client.iter_details_in(HOUR))
    assert sandbox.count("tokens issued genesys") == 1  # back to the good secret: its stored token again
    keys = {
        GenesysCloudHook(connect("g_creds", connection)).token_key
        for connection in (good, wrong, sandbox.genesys_connection(api_url="https://api.mypurecloud.de"))
    }
    assert len(keys) == 3 and all(key.startswith("genesys_cloud__g_creds__") for key in keys)
    assert not any("a-wrong-secret" in key or sandbox.config.genesys_client_secret in key for key in keys)


def test_a_short_lived_token_is_not_fetched_again_for_every_request(sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(token_ttl=30.0, rate_limit=None)
    client = clients.genesys(sandbox, leeway=60.0)  # a leeway longer than the token's life
    for _ in range(10):
        client.data_availability()
    assert sandbox.count("tokens issued genesys") == 1
    # the default leeway (60 s) is at most a tenth of the lifetime: renewed 3 s before expiry, so about one token
    # per lifetime; a leeway that is set is honoured up to half (15 s)
    for leeway, kept, renewed in ((None, 26.0, 27.5), (60.0, 14.0, 15.5)):
        client = clients.genesys(sandbox, key=f"short-{leeway}", leeway=leeway)
        manager = client.authenticator
        assert isinstance(manager, TokenManager)
        before = sandbox.count("tokens issued genesys")
        client.data_availability()
        issued = manager.clock()
        manager.clock = lambda at=issued + kept: at  # type: ignore[misc]
        client.data_availability()
        assert sandbox.count("tokens issued genesys") == before + 1, leeway
        manager.clock = lambda at=issued + renewed: at  # type: ignore[misc]
        client.data_availability()
        assert sandbox.count("tokens issued genesys") == before + 2, leeway


@pytest.mark.airflow
@pytest.mark.usefixtures("airflow_db")
def test_a_refresh_token_stored_under_the_key_before_fingerprints_still_seeds_delegated_access(
    sandbox: Sandbox, connect: Any
) -> None:
    import requests

    redirect = "http://127.0.0.1:9/cb"
    connection = sandbox.genesys_connection("authorization_code", redirect_uri=redirect)
    hook = GenesysCloudHook(connect("g_legacy", connection))
    request = hook.authorization_request(redirect)
    location = requests.get(request.url(), allow_redirects=False).headers["Location"]
    token = request.exchange(hook.token_endpoint, hook.transport, request.code_from_redirect(location))
    hook.token_store.save("genesys_cloud__g_legacy", token)  # as an earlier release stored it
    assert list(hook.client.iter_details_in(HOUR))
    assert sandbox.count("tokens issued genesys") == 2  # the code exchange, then a refresh: not the old access token
    stored = hook.token_store.load(hook.token_key)
    assert stored is not None and stored.access_token != token.access_token


@pytest.mark.parametrize(
    ("options", "field", "says"),
    [
        (dict(output="file:///tmp/cc", output_format="delta", layout="tables"), "layout", "use layout='records'"),
        (dict(output_format="parquet"), "output_format", "set output='file:///...'"),
        (dict(output_format="delta"), "output_format", "set output='file:///...'"),
        (dict(layout="tables"), "layout", "set output='file:///...'"),
        (dict(output="", layout="tables"), "layout", "or remove layout"),
        (dict(output="file:///tmp/cc", output_format="csv"), "output_format", "is not one of"),
    ],
    ids=["delta-tables", "xcom-parquet", "xcom-delta", "xcom-tables", "empty-output-tables", "unknown-format"],
)
def test_output_options_that_would_be_ignored_are_refused_when_the_dag_is_built(
    options: dict[str, Any], field: str, says: str
) -> None:
    for operator in (GenesysConversationDetailsOperator, GenesysConversationDetailsJobOperator):
        with pytest.raises(ConfigurationError) as caught:
            operator(task_id="details", **options)
        assert caught.value.field == field and says in str(caught.value)
    # the options each combination is built from are valid on their own
    GenesysConversationDetailsOperator(task_id="ok", output="file:///tmp/cc", output_format="delta")
    GenesysConversationDetailsOperator(task_id="ok2", output="file:///tmp/cc", output_format="parquet", layout="tables")


def test_an_output_template_that_renders_to_nothing_with_tables_fails_before_any_request(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any]
) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection())
    source = """
from datetime import datetime, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator
with DAG("bad_output", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    GenesysConversationDetailsOperator(task_id="details", output="{{ params.get('out', '') }}", layout="tables")
"""
    assert task_states(run_dag(source, utc(2026, 1, 2))) == {"details": "failed"}
    assert sandbox.count("requests") == 0
