"""The one request path: retries with Retry-After, re-auth on 401, typed errors that name the fix."""

from __future__ import annotations

import base64
from collections.abc import Callable
from urllib.parse import quote_plus

import pytest
import requests

from airflow_provider_ccanalytics.core.auth import TokenEndpoint, client_credentials_form
from airflow_provider_ccanalytics.core.errors import (
    BadRequestError,
    CcAnalyticsError,
    ConnectionFailedError,
    InvalidClientError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TokenEndpointThrottledError,
    UnexpectedResponseError,
)
from airflow_provider_ccanalytics.core.http import HttpTransport, RetryPolicy
from airflow_provider_ccanalytics.testing import Sandbox
from tests import clients
from tests.conftest import DAY_WINDOW, HOUR_WINDOW

DAY, HOUR = DAY_WINDOW, HOUR_WINDOW


class SleepRecorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_503_and_dropped_connections_are_retried_without_losing_data(sandbox: Sandbox) -> None:
    sleeps = SleepRecorder()
    client = clients.genesys(sandbox, http=clients.transport(sleep=sleeps))
    sandbox.add_fault("details/query", status=503, times=2)
    sandbox.add_fault("details/query", drop=True, times=1)
    ids = [c["conversationId"] for c in client.iter_details_in(DAY)]
    assert ids == sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
    assert len(sleeps.waits) == 3
    assert client.transport.stats.retries == 3


def test_429_waits_exactly_retry_after(sandbox: Sandbox) -> None:
    sleeps = SleepRecorder()
    client = clients.genesys(sandbox, http=clients.transport(sleep=sleeps))
    sandbox.add_fault("details/query", status=429, retry_after=7, times=1)
    assert len(list(client.iter_details_in(HOUR))) > 0
    assert sleeps.waits == [7.0]
    assert client.transport.stats.throttled == 1


def test_persistent_5xx_ends_in_a_typed_error_with_correlation_id(sandbox: Sandbox) -> None:
    client = clients.genesys(sandbox)
    client.call_json("GET", "/api/v2/analytics/conversations/details/jobs/availability")  # token first
    sandbox.add_fault("details/query", status=500, times=99)
    with pytest.raises(ServerError) as caught:
        list(client.iter_details_in(HOUR))
    assert caught.value.status == 500 and "details/query" in str(caught.value)
    assert client.transport.stats.retries == clients.FAST_RETRY.max_attempts - 1


def test_a_bad_query_is_not_retried_and_says_what_is_wrong(sandbox: Sandbox) -> None:
    client = clients.genesys(sandbox)
    with pytest.raises(BadRequestError) as caught:
        client.call_json("POST", "/api/v2/analytics/conversations/details/query", json={"interval": "nonsense"})
    assert "Invalid interval" in str(caught.value) and "correlation id" in str(caught.value)
    assert client.transport.stats.retries == 0


def test_401_renews_the_token_once_and_the_caller_sees_no_failure(sandbox: Sandbox) -> None:
    client = clients.genesys(sandbox)
    client.settings.page_workers = 1  # one page at a time: the token expires mid-extraction, not after it
    pages = client.iter_details_in(DAY)
    first = next(pages)
    sandbox.expire_access_tokens()
    rest = list(pages)
    assert len([first, *rest]) == 1000
    assert sandbox.count("tokens issued genesys") == 2
    assert client.transport.stats.reauthentications == 1


def test_token_endpoint_throttling_backs_off_and_is_not_bad_credentials(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sandbox = sandbox_factory()
    sandbox.add_fault(
        "oauth/token",
        status=400,
        times=2,
        body={"error": "invalid_request", "description": "Rate limit exceeded"},
    )
    sleeps = SleepRecorder()
    client = clients.genesys(sandbox, http=clients.transport(sleep=sleeps))
    assert client.data_availability()
    assert len(sleeps.waits) == 2
    # an honoured Retry-After spends the budget's seconds, not its attempts: 429s with Retry-After 1 are waited out
    # until the 10 s budget ends (they used to end the request after max_attempts)
    sandbox.add_fault("oauth/token", status=429, times=99, retry_after=1)
    virtual = VirtualTime()
    policy = RetryPolicy(max_attempts=5, backoff_initial=0.01, backoff_max=0.05, max_seconds=10)
    http = HttpTransport(retry=policy, sleep=virtual.sleep, clock=virtual.clock)
    endpoint = TokenEndpoint(f"{sandbox.genesys_login_url}/oauth/token", "id", "secret")
    with pytest.raises(
        TokenEndpointThrottledError, match=r"gave up after 1 failed attempt\(s\) in 10\.0 s, 10 throttled"
    ):
        endpoint.request_token(http, client_credentials_form())
    assert virtual.waits == [1.0] * 10 and sandbox.count("fault 429") == 11


def test_wrong_client_secret_is_a_typed_error_naming_the_fields(sandbox: Sandbox) -> None:
    endpoint = TokenEndpoint(f"{sandbox.genesys_login_url}/oauth/token", sandbox.config.genesys_client_id, "nope")
    with pytest.raises(InvalidClientError) as caught:
        endpoint.request_token(clients.transport(), client_credentials_form())
    assert "client id and client secret" in str(caught.value)
    assert "nope" not in str(caught.value) and "nope" not in repr(endpoint)


def test_cxone_403_throttling_is_retried_but_a_permission_403_names_the_permission(sandbox: Sandbox) -> None:
    sleeps = SleepRecorder()
    client = clients.cxone(sandbox, http=clients.transport(sleep=sleeps))
    sandbox.add_fault(
        "data-extraction",
        status=403,
        times=1,
        retry_after=2,
        body={"error": "Forbidden", "message": "Request throttled: too many requests"},
    )
    sandbox.config.extraction_create_interval = 0
    job_id = client.create_extraction_job("completed-contacts", "1", DAY)
    assert job_id and sleeps.waits == [2.0]
    sandbox.add_fault(
        "data-extraction",
        status=403,
        times=1,
        body={"error": "Forbidden", "message": "Missing required permission"},
    )
    with pytest.raises(PermissionDeniedError) as caught:
        client.extraction_job(job_id)
    assert "Data Extraction" in str(caught.value)
    assert len(sleeps.waits) == 1


def test_an_unreachable_server_is_a_typed_error_not_a_requests_traceback() -> None:
    http = clients.transport(sleep=SleepRecorder())
    with pytest.raises(ConnectionFailedError) as caught:
        http.request("GET", "http://127.0.0.1:9/nothing")
    assert "127.0.0.1:9" in str(caught.value)
    assert caught.value.__cause__ is None and not isinstance(caught.value, requests.RequestException)


def test_a_success_that_is_not_json_is_an_error_not_an_empty_result(sandbox: Sandbox) -> None:
    client = clients.genesys(sandbox)
    client.data_availability()
    sandbox.add_fault("details/query", status=200, times=1, body="<html>proxy login</html>")
    with pytest.raises(UnexpectedResponseError, match="expected a JSON object"):
        list(client.iter_details_in(HOUR))
    sandbox.add_fault("details/query", status=200, times=1, body={"totalHits": 5})
    with pytest.raises(UnexpectedResponseError, match="totalHits is 5"):
        list(client.iter_details_in(HOUR))


class VirtualTime:
    """A sleep that records and a clock that moves with it (the budget's seconds without waiting)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def test_a_throttled_token_endpoint_spends_the_api_requests_budget_not_a_budget_of_its_own(
    sandbox: Sandbox,
) -> None:
    throttled = {"error": "invalid_request", "error_description": "Rate limit exceeded"}
    sandbox.add_fault("oauth/token", status=400, times=10**6, body=throttled)
    virtual = VirtualTime()
    policy = RetryPolicy(max_attempts=8, backoff_initial=1.0, backoff_max=60.0, max_seconds=300.0)
    http = HttpTransport(retry=policy, sleep=virtual.sleep, clock=virtual.clock)
    client = clients.genesys(sandbox, http=http)
    with pytest.raises(TokenEndpointThrottledError) as caught:
        client.data_availability()
    assert sandbox.count("fault 400") == 8  # not 8 token attempts for each of 8 API attempts (64)
    assert sandbox.count("GET genesys jobs/availability") == 0
    assert len(virtual.waits) == 7 and sum(virtual.waits) < 300
    text = str(caught.value)
    assert "gave up after 8 failed attempt(s) in" in text and "retry_max_attempts, retry_max_seconds" in text
    assert text.endswith("last causes: HTTP 400 invalid_request; HTTP 400 invalid_request; HTTP 400 invalid_request")


def test_the_budget_in_seconds_stops_retries_and_a_retry_after_beyond_it(sandbox: Sandbox) -> None:
    client = clients.genesys(sandbox)
    client.data_availability()  # token first
    virtual = VirtualTime()
    client.transport = HttpTransport(
        retry=RetryPolicy(max_attempts=50, backoff_initial=4.0, backoff_max=4.0, max_seconds=20.0),
        sleep=virtual.sleep,
        clock=virtual.clock,
    )
    sandbox.add_fault("details/query", status=503, times=10**6)
    said = r"gave up after 6 failed attempt\(s\) in 20\.0 s.*last causes: HTTP 503; HTTP 503; HTTP 503$"
    with pytest.raises(ServerError, match=said):
        list(client.iter_details_in(HOUR))
    sandbox.faults.clear()
    sandbox.add_fault("details/query", status=429, retry_after=60, times=1)
    with pytest.raises(RateLimitedError, match=r"gave up after 1 failed attempt\(s\)"):
        list(client.iter_details_in(HOUR))


def test_vendor_text_that_echoes_credentials_is_scrubbed_from_errors(sandbox: Sandbox) -> None:
    config = sandbox.config
    http = clients.transport()
    client = clients.cxone(sandbox, http=http)
    sandbox.add_fault("auth/token", status=401, echo_request=True, times=1)
    with pytest.raises(CcAnalyticsError) as caught:
        client.extraction_job("x")
    text = str(caught.value)
    basic = base64.b64encode(f"{config.cxone_client_id}:{config.cxone_client_secret}".encode()).decode()
    assert "rejected request" in text and "Authorization: Basic ***" in text and "password=***" in text
    key_secret = config.cxone_access_key_secret
    for secret in (basic, config.cxone_client_secret, key_secret, quote_plus(key_secret)):
        assert secret not in text
