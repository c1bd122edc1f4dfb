"""Retry budget under persistent failures: requests sent and seconds spent before the typed error.

Runs against the sandbox with the default retry policy; sleeps are recorded, not slept (virtual seconds:
the sum of backoffs, which is what a real run spends waiting). Prints a table.

    .venv/bin/python benchmarks/retry_budget.py
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from airflow_provider_ccanalytics.core.auth import (
    MemoryTokenStore,
    TokenEndpoint,
    TokenManager,
    client_credentials_form,
    forget_process_tokens,
)
from airflow_provider_ccanalytics.core.errors import CcAnalyticsError
from airflow_provider_ccanalytics.core.genesys import GenesysClient
from airflow_provider_ccanalytics.core.http import HttpTransport, RetryPolicy
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.testing import Sandbox, SandboxConfig


class VirtualTime:
    """A sleep that only records, and a clock that moves with it; per thread (threads wait side by side)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self.per_thread: list[float] = []

    @property
    def slept(self) -> float:
        return max(self.per_thread, default=0.0)

    def sleep(self, seconds: float) -> None:
        if not hasattr(self._local, "index"):
            self._local.index = len(self.per_thread)
            self.per_thread.append(0.0)
        self.per_thread[self._local.index] += seconds

    def clock(self) -> float:
        index = getattr(self._local, "index", None)
        return time.monotonic() + (self.per_thread[index] if index is not None else 0.0)


def transport(virtual: VirtualTime) -> HttpTransport:
    try:
        return HttpTransport(retry=RetryPolicy(), sleep=virtual.sleep, clock=virtual.clock)  # type: ignore[call-arg]
    except TypeError:  # before the budget existed the transport had no clock
        return HttpTransport(retry=RetryPolicy(), sleep=virtual.sleep)


def genesys(sandbox: Sandbox, http: HttpTransport, login_url: str | None = None) -> GenesysClient:
    endpoint = TokenEndpoint(
        f"{login_url or sandbox.genesys_login_url}/oauth/token",
        sandbox.config.genesys_client_id,
        sandbox.config.genesys_client_secret,
    )
    manager = TokenManager(
        key="bench", endpoint=endpoint, transport=http, store=MemoryTokenStore(), grant_form=client_credentials_form()
    )
    return GenesysClient(http, manager, sandbox.genesys_api_url)


def one_request(client: GenesysClient) -> None:
    client.data_availability()


def details_day(client: GenesysClient) -> None:
    """As the details operator runs a day: 24 hourly sub-windows on 4 threads (every one is tried)."""
    day = Window.of("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
    errors: list[CcAnalyticsError] = []

    def source(part: Window) -> None:
        try:
            list(client.iter_details_in(part))
        except CcAnalyticsError as error:
            errors.append(error)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(source, client.details_windows(day, timedelta(hours=1))))
    if errors:
        raise errors[0]


def measure(
    name: str,
    setup: Callable[[Sandbox], None],
    login_url: str | None = None,
    work: Callable[[GenesysClient], None] = one_request,
) -> dict[str, Any]:
    forget_process_tokens()  # each scenario like a fresh worker
    with Sandbox(SandboxConfig(rate_limit=None)) as sandbox:
        setup(sandbox)
        virtual = VirtualTime()
        http = transport(virtual)
        client = genesys(sandbox, http, login_url)
        error = ""
        try:
            work(client)
        except CcAnalyticsError as failure:
            text = str(failure)
            said = text[text.index("gave up") :].split("; last causes")[0] if "gave up" in text else "(no summary)"
            error = f"{type(failure).__name__}: {said}"
        return {
            "scenario": name,
            "requests": http.stats.requests,
            "seconds": round(virtual.slept, 1),  # the longest thread's waits
            "error": error,
        }


def main() -> None:
    throttle = {"status": 400, "body": {"error": "invalid_request", "error_description": "Rate limit exceeded"}}
    rows = [
        measure("token endpoint throttled", lambda s: s.add_fault("oauth/token", times=10**6, **throttle)),
        measure("login host unreachable (connection refused)", lambda s: None, login_url="http://127.0.0.1:9"),
        measure(
            "token endpoint throttled, details of a day (24 hourly sub-windows, 4 threads)",
            lambda s: s.add_fault("oauth/token", times=10**6, **throttle),
            work=details_day,
        ),
    ]
    print("| scenario | requests sent | seconds before failing | error |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['scenario']} | {row['requests']} | {row['seconds']} | {row['error']} |")


if __name__ == "__main__":
    main()
