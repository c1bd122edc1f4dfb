"""Build core clients against a sandbox without Airflow (for core-level tests)."""

from __future__ import annotations

from collections.abc import Callable

from airflow_provider_ccanalytics.core.auth import (
    MemoryTokenStore,
    TokenEndpoint,
    TokenManager,
    TokenManagerSettings,
    TokenStore,
    access_key_form,
    client_credentials_form,
)
from airflow_provider_ccanalytics.core.cxone import CxoneClient, discover
from airflow_provider_ccanalytics.core.genesys import GenesysClient
from airflow_provider_ccanalytics.core.http import HttpTransport, RateLimiter, RetryPolicy
from airflow_provider_ccanalytics.testing import Sandbox

FAST_RETRY = RetryPolicy(max_attempts=5, backoff_initial=0.01, backoff_max=0.05)


def transport(limiter: RateLimiter | None = None, sleep: Callable[[float], None] | None = None) -> HttpTransport:
    kwargs = {"sleep": sleep} if sleep else {}
    return HttpTransport(retry=FAST_RETRY, limiter=limiter, **kwargs)  # type: ignore[arg-type]


def genesys(
    sandbox: Sandbox,
    store: TokenStore | None = None,
    http: HttpTransport | None = None,
    key: str = "genesys-test",
    leeway: float | None = None,
) -> GenesysClient:
    http = http or transport()
    endpoint = TokenEndpoint(
        f"{sandbox.genesys_login_url}/oauth/token",
        sandbox.config.genesys_client_id,
        sandbox.config.genesys_client_secret,
    )
    manager = TokenManager(
        key=key,
        endpoint=endpoint,
        transport=http,
        store=store or MemoryTokenStore(),
        grant_form=client_credentials_form(),
        settings=TokenManagerSettings(leeway=leeway),
    )
    return GenesysClient(http, manager, sandbox.genesys_api_url)


def cxone(
    sandbox: Sandbox,
    store: TokenStore | None = None,
    http: HttpTransport | None = None,
    key: str = "cxone-test",
) -> CxoneClient:
    http = http or transport()
    config = sandbox.config
    endpoint = TokenEndpoint(
        discover(http, sandbox.cxone_issuer).token_endpoint,
        config.cxone_client_id,
        config.cxone_client_secret,
    )
    manager = TokenManager(
        key=key,
        endpoint=endpoint,
        transport=http,
        store=store or MemoryTokenStore(),
        grant_form=access_key_form(config.cxone_access_key_id, config.cxone_access_key_secret),
    )
    return CxoneClient(http, manager, sandbox.cxone_issuer)
