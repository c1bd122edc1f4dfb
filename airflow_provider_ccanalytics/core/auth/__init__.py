"""Who we are to a vendor: OAuth grants, the token value and its stores, its lifecycle, the per-connection runtime.

``grants.py`` has one form per flow (client credentials, CXone access key, authorization code with PKCE,
refresh); ``tokens.py`` the :class:`Token` value and the :class:`TokenStore` protocol; ``manager.py`` the
:class:`TokenManager` that caches, renews before expiry and shares a token across threads and processes;
``runtime.py`` the :class:`ConnectionRuntime` that one connection's hooks and threads share (token slot,
limiter, discovered ids).

May import: the foundation and ``core.http``. Knows no vendor: vendors hand it their token endpoint."""

from __future__ import annotations

from airflow_provider_ccanalytics.core.auth.grants import (
    AuthorizationRequest,
    TokenEndpoint,
    access_key_form,
    client_credentials_form,
)
from airflow_provider_ccanalytics.core.auth.manager import TokenManager, TokenManagerSettings, forget_process_tokens
from airflow_provider_ccanalytics.core.auth.runtime import ConnectionRuntime, connection_runtime, forget_runtimes
from airflow_provider_ccanalytics.core.auth.tokens import MemoryTokenStore, Token, TokenStore

__all__ = [
    "AuthorizationRequest",
    "ConnectionRuntime",
    "MemoryTokenStore",
    "Token",
    "TokenEndpoint",
    "TokenManager",
    "TokenManagerSettings",
    "TokenStore",
    "access_key_form",
    "client_credentials_form",
    "connection_runtime",
    "forget_process_tokens",
    "forget_runtimes",
]
