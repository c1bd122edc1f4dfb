"""The retry loop on tenacity: honoured throttling spends the time budget, attempts count real failures.

Over the wire against the sandbox, on a virtual clock (the budget's seconds pass without waiting them).
"""

from __future__ import annotations

import pytest
import tenacity

from airflow_provider_ccanalytics.core.errors import RateLimitedError, ServerError
from airflow_provider_ccanalytics.core.genesys import GenesysClient
from airflow_provider_ccanalytics.core.http import HttpTransport, RetryPolicy
from airflow_provider_ccanalytics.core.http.retry import Budget
from airflow_provider_ccanalytics.testing import Sandbox
from tests import clients
from tests.conftest import HOUR_WINDOW
from tests.test_transport import VirtualTime

QUERY = r"details/query$"


def client_on(sandbox: Sandbox, policy: RetryPolicy) -> tuple[GenesysClient, VirtualTime]:
    client = clients.genesys(sandbox)
    client.data_availability()  # the token first: its request is not what is measured
    virtual = VirtualTime()
    client.transport = HttpTransport(retry=policy, sleep=virtual.sleep, clock=virtual.clock)
    return client, virtual


def test_twenty_429s_with_retry_after_1_are_waited_out_within_the_budget(sandbox: Sandbox) -> None:
    client, virtual = client_on(sandbox, RetryPolicy())  # the defaults: 8 attempts, 300 s
    sandbox.add_fault(QUERY, status=429, retry_after=1, times=20)
    assert list(client.iter_details_in(HOUR_WINDOW))
    assert sandbox.count("fault 429") == 20
    assert virtual.waits == [1.0] * 20  # exactly what the vendor asked, 20 s of a 300 s budget


def test_a_503_with_retry_after_is_a_wait_and_one_without_is_a_failure(sandbox: Sandbox) -> None:
    client, virtual = client_on(sandbox, RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=0.5))
    sandbox.add_fault(QUERY, status=503, retry_after=2, times=6)
    sandbox.add_fault(QUERY, status=503, times=10**6)
    with pytest.raises(ServerError) as caught:
        list(client.iter_details_in(HOUR_WINDOW))
    text = str(caught.value)
    assert "gave up after 3 failed attempt(s)" in text and "6 throttled answer(s) waited out" in text
    assert "last causes: HTTP 503; HTTP 503; HTTP 503" in text
    assert sandbox.count("fault 503") == 6 + 3  # six waits honoured, then three real failures
    assert virtual.waits[:6] == [2.0] * 6 and len(virtual.waits) == 8


def test_throttling_beyond_the_time_budget_ends_it_naming_seconds_and_causes(sandbox: Sandbox) -> None:
    client, virtual = client_on(sandbox, RetryPolicy(max_seconds=30))
    sandbox.add_fault(QUERY, status=429, retry_after=7, times=10**6)
    with pytest.raises(RateLimitedError) as caught:
        list(client.iter_details_in(HOUR_WINDOW))
    assert virtual.waits == [7.0] * 4  # 28 s; a fifth wait would pass 30 s
    text = str(caught.value)
    assert "gave up after 1 failed attempt(s) in 28.0 s, 4 throttled answer(s) waited out" in text
    assert "retry_max_seconds" in text and "last causes: HTTP 429" in text


def test_the_loop_is_tenacitys() -> None:
    transport = HttpTransport()
    assert isinstance(transport.retrying(Budget(transport.retry, transport._clock)), tenacity.Retrying)
