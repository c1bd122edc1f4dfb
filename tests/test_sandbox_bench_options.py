"""The sandbox options the scale benchmark uses: ``--fault-rate`` (mixed faults) and ``--token-ttl``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from airflow_provider_ccanalytics.testing import Sandbox
from airflow_provider_ccanalytics.testing.cli import build_parser
from airflow_provider_ccanalytics.testing.sandbox.config import mixed_faults

DETAILS = "/api/v2/analytics/conversations/details/query"


def bearer(sandbox: Sandbox) -> tuple[dict[str, str], int]:
    answer = requests.post(
        f"{sandbox.genesys_login_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(sandbox.config.genesys_client_id, sandbox.config.genesys_client_secret),
        timeout=30,
    ).json()
    return {"Authorization": f"Bearer {answer['access_token']}"}, int(answer["expires_in"])


def test_mixed_faults_hit_their_share_in_thirds(sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(rate_limit=None)
    sandbox.faults.extend(mixed_faults(0.3))
    headers, _ = bearer(sandbox)  # the token endpoint is not faulted
    statuses = []
    for _ in range(400):
        try:
            response = requests.post(
                sandbox.genesys_api_url + DETAILS,
                headers=headers,
                json={"interval": "2026-01-01T00:00:00Z/2026-01-01T01:00:00Z", "paging": {"pageSize": 1}},
                timeout=30,
            )
            statuses.append(response.status_code)
        except requests.exceptions.RequestException:
            statuses.append(-1)  # the reset
    stats = sandbox.stats()
    faulted = stats.get("fault 429", 0) + stats.get("fault 503", 0) + stats.get("fault reset", 0)
    assert 0.2 * 400 < faulted < 0.4 * 400
    for name in ("fault 429", "fault 503", "fault reset"):
        assert 0.15 * faulted < stats.get(name, 0) < 0.55 * faulted, (name, stats)
    assert statuses.count(429) == stats["fault 429"] and statuses.count(503) == stats["fault 503"]


def test_mixed_faults_refuse_a_rate_of_one() -> None:
    with pytest.raises(ValueError):
        mixed_faults(1.0)


def test_cli_parses_the_benchmark_options() -> None:
    args = build_parser().parse_args(["--fault-rate", "0.1", "--token-ttl", "3"])
    assert (args.fault_rate, args.token_ttl) == (0.1, 3.0)


def test_token_ttl_sets_expires_in(sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(token_ttl=3.0)
    _, expires_in = bearer(sandbox)
    assert expires_in == 3
