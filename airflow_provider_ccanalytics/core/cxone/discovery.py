"""NICE CXone discovery: the issuer's OpenID configuration and the tenant's API base (cached per connection)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from airflow_provider_ccanalytics.core.auth import ConnectionRuntime, forget_runtimes
from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.http import HttpTransport, json_body

DEFAULT_ISSUER = "https://cxone.niceincontact.com"
T = TypeVar("T")


@dataclass(frozen=True)
class OidcConfiguration:
    """The issuer's OpenID configuration (what we need of it)."""

    issuer: str
    token_endpoint: str
    authorization_endpoint: str


def _cached(runtime: ConnectionRuntime | None, key: str, load: Callable[[], T]) -> T:
    return load() if runtime is None else runtime.discovered(key, load)


def forget_discovery() -> None:
    """Drop this process's cached discovery answers (kept in the connection runtimes; a test starts without them)."""
    forget_runtimes()


def discover(transport: HttpTransport, issuer: str, runtime: ConnectionRuntime | None = None) -> OidcConfiguration:
    """Read ``{issuer}/.well-known/openid-configuration`` (cached in ``runtime``).

    :param issuer: e.g. ``https://cxone.niceincontact.com``.
    :param runtime: the connection's runtime, which caches the answer (None: not cached).
    """
    issuer = issuer.rstrip("/")

    def load() -> OidcConfiguration:
        body = json_body(transport.request("GET", f"{issuer}/.well-known/openid-configuration", paced=False))
        try:
            return OidcConfiguration(body.get("issuer", issuer), body["token_endpoint"], body["authorization_endpoint"])
        except KeyError as missing:
            raise ConfigurationError("issuer", f"{issuer} gave no {missing} in its openid-configuration") from None

    return _cached(runtime, f"oidc:{issuer}", load)


def tenant_id_from_jwt(access_token: str) -> str:
    """The ``tenantId`` claim of a CXone access token (read, not verified)."""
    try:
        payload = access_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims["tenantId"])
    except (IndexError, ValueError, KeyError, TypeError):
        raise ConfigurationError(
            "api_url", "the access token carries no tenantId claim; set the connection's api_url extra"
        ) from None


def tenant_api_endpoint(
    transport: HttpTransport, issuer: str, tenant_id: str, runtime: ConnectionRuntime | None = None
) -> str:
    """The tenant's API base from ``cxone-configuration`` (cached in ``runtime``, when given)."""
    issuer = issuer.rstrip("/")

    def load() -> str:
        url = f"{issuer}/.well-known/cxone-configuration"
        body = json_body(transport.request("GET", url, params={"tenantId": tenant_id}, paced=False))
        if not body.get("api_endpoint"):
            raise ConfigurationError("api_url", f"{url} gave no api_endpoint; set the connection's api_url extra")
        return str(body["api_endpoint"]).rstrip("/")

    return _cached(runtime, f"api:{issuer}:{tenant_id}", load)
