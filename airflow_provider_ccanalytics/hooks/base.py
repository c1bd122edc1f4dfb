"""What both vendor hooks share: reading the connection, the token manager, job status; the transport (limiter,
hosts, retry policy) from :class:`~airflow_provider_ccanalytics.hooks.transport.HookTransport`."""

from __future__ import annotations

import hashlib
import json
import logging
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook
from airflow.sdk.log import mask_secret

from airflow_provider_ccanalytics.core.auth import (
    AuthorizationRequest,
    ConnectionRuntime,
    MemoryTokenStore,
    TokenEndpoint,
    TokenManager,
    TokenManagerSettings,
    TokenStore,
    connection_runtime,
)
from airflow_provider_ccanalytics.core.catalog import job_type
from airflow_provider_ccanalytics.core.datasets import JobStatus, JobType
from airflow_provider_ccanalytics.core.errors import CcAnalyticsError, ConfigurationError
from airflow_provider_ccanalytics.core.http import (
    Redactor,
    RetryPolicy,
    checked_base_url,
)
from airflow_provider_ccanalytics.hooks.transport import HookTransport
from airflow_provider_ccanalytics.token_store import DEFAULT_TOKEN_PREFIX, VariableTokenStore

log = logging.getLogger("airflow_provider_ccanalytics")


class CcAnalyticsHook(HookTransport, BaseHook):
    """Base of the vendor hooks; the only place that reads Connections.

    :param conn_id: the Airflow connection id.
    :param token_store: where tokens are shared (default: Airflow Variables named after the connection's
        ``token_variable_prefix`` extra, ``ccanalytics_token_`` when unset).
    :param retry: the retry policy of every request (default: from the connection's ``retry_*`` extras).
    :param share_tokens: share tokens with the store and this process (False: private ones, for tests of
        the credentials themselves).
    """

    conn_name_attr = ""
    default_conn_name = ""
    conn_type = ""
    hook_name = ""
    #: grant types this vendor supports; the first is the default.
    grant_types: tuple[str, ...] = ()
    #: the registry name of the vendor's job type when none is given (core.catalog.job_type)
    default_job_type: str = ""

    def __init__(
        self,
        conn_id: str | None = None,
        *,
        token_store: TokenStore | None = None,
        retry: RetryPolicy | None = None,
        share_tokens: bool = True,
    ) -> None:
        super().__init__()
        self.conn_id = conn_id or self.default_conn_name
        self.share_tokens = share_tokens
        self._token_store = token_store
        self._retry = retry

    @cached_property
    def token_store(self) -> TokenStore:
        """Where this connection's tokens are shared: the hook's argument, else Airflow Variables named
        ``{token_variable_prefix}{token_key}`` (readable by DAG authors: see the README, "Token readability")."""
        if self._token_store is not None:
            return self._token_store
        if not self.share_tokens:
            return MemoryTokenStore()
        prefix = str(self.extras.get("token_variable_prefix") or DEFAULT_TOKEN_PREFIX)
        if not all(char.isalnum() or char in "._-" for char in prefix):
            raise ConfigurationError(
                "token_variable_prefix", f"{prefix!r} may hold only letters, digits, '.', '_' and '-'"
            )
        return VariableTokenStore(prefix)

    @cached_property
    def connection(self) -> Any:
        connection = self.get_connection(self.conn_id)
        if connection.conn_type and connection.conn_type.replace("-", "_") != self.conn_type:
            raise ConfigurationError(
                "conn_type",
                f"connection '{self.conn_id}' is of type '{connection.conn_type}', expected '{self.conn_type}'",
            )
        self.redactor.add(connection.password)
        if connection.login and connection.password:
            self.redactor.add_basic(str(connection.login), str(connection.password))
        return connection

    @cached_property
    def extras(self) -> dict[str, Any]:
        """The connection's extras without empty values (the UI stores unset fields as null or '').

        Read from the raw text, not ``extra_dejson`` (which logs and answers ``{}`` for text that is not a
        JSON object: the provider would then fall back to defaults such as the production region).

        :raises ConfigurationError: when the extras are not a JSON object, before any request is sent.
        """
        raw = self.connection.extra
        parsed: Any = {}
        if isinstance(raw, dict):
            parsed = raw
        elif raw not in (None, ""):
            try:
                parsed = json.loads(raw)
            except ValueError as error:
                raise ConfigurationError(
                    "extra",
                    f"connection '{self.conn_id}': the extras are not valid JSON ({type(error).__name__} at "
                    f"character {getattr(error, 'pos', '?')}); write them as one JSON object, e.g. "
                    '{"login_url": "https://login.mypurecloud.ie", "api_url": "https://api.mypurecloud.ie"}',
                ) from None
        if not isinstance(parsed, dict):
            raise ConfigurationError(
                "extra",
                f"connection '{self.conn_id}': the extras are a JSON {type(parsed).__name__}, not an object; "
                'write them as {"name": value, ...}',
            )
        extras = {key: value for key, value in parsed.items() if value not in (None, "")}
        for name in ("login_url", "api_url", "issuer"):
            if name in extras:
                extras[name] = checked_base_url(extras[name], name)
        for name in ("refresh_token", "access_key_secret"):
            if isinstance(extras.get(name), str):
                self.redactor.add(extras[name])
        return extras

    @cached_property
    def redactor(self) -> Redactor:
        """Every secret of this connection and each form of it: masked in logs, scrubbed from vendor text."""
        return Redactor(mask_secret)

    @property
    def grant_type(self) -> str:
        grant = str(self.extras.get("grant_type") or self.grant_types[0])
        if grant not in self.grant_types:
            raise ConfigurationError(
                "grant_type",
                f"'{grant}' is not supported for {self.hook_name}; use one of {list(self.grant_types)}",
            )
        return grant

    def require(self, value: Any, field: str, why: str) -> str:
        """``value`` as a string, or a ConfigurationError naming the connection field."""
        if value in (None, ""):
            raise ConfigurationError(field, f"connection '{self.conn_id}' needs {field}: {why}")
        return str(value)

    def setting(self, name: str, default: float) -> float:
        """A numeric extra, or a ConfigurationError naming it."""
        value = self.extras.get(name, default)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigurationError(name, f"must be a number, got {value!r}") from None

    def token_leeway(self) -> float | None:
        """The ``token_leeway_seconds`` extra (None when unset: the token manager's default)."""
        if self.extras.get("token_leeway_seconds") in (None, ""):
            return None
        return self.setting("token_leeway_seconds", 0.0)

    @cached_property
    def runtime(self) -> ConnectionRuntime:
        """This connection's shared state in this process: token cache, limiter, discovered org / tenant."""
        return connection_runtime(self.token_key) if self.share_tokens else ConnectionRuntime(self.token_key)

    def partition_scope(self) -> str:
        """The partition folder of this connection's org or tenant (``org=<id>``), below the dataset."""
        raise NotImplementedError

    def credential_fingerprint(self) -> str:
        """A short hash of who asks and where: client id, a hash of the secret, access key id and a hash of its
        secret, grant, login/api/issuer URLs, region and scopes. Never the secrets themselves."""

        def digest(value: Any) -> str:
            return hashlib.sha256(str(value or "").encode()).hexdigest()

        connection, extras = self.connection, self.extras
        parts = [
            self.conn_type,
            connection.login,
            digest(connection.password),
            extras.get("access_key_id"),
            digest(extras.get("access_key_secret")),
            self.grant_type,
            connection.host,
            extras.get("login_url"),
            extras.get("api_url"),
            extras.get("issuer"),
            extras.get("scopes"),
        ]
        return digest("\x1f".join(str(part or "") for part in parts))[:12]

    @property
    def token_key(self) -> str:
        """This connection's key in the token store: its id and a fingerprint of its credentials and target, so
        a token obtained with other credentials (or for another org) is never used for this connection."""
        return f"{self.conn_type}__{self.conn_id}__{self.credential_fingerprint()}"

    def token_manager(self, endpoint: TokenEndpoint, grant_form: dict[str, str] | None) -> TokenManager:
        """The connection's token manager (machine-to-machine when ``grant_form`` is given)."""
        return TokenManager(
            key=self.token_key,
            endpoint=endpoint,
            transport=self.transport,
            store=self.token_store,
            grant_form=grant_form,
            refresh_token=self.extras.get("refresh_token"),
            conn_id=self.conn_id,
            login_command=f"ccanalytics-login --conn-id {self.conn_id}",
            settings=TokenManagerSettings(leeway=self.token_leeway()),
            on_secret=self.redactor.add,
            shared=self.share_tokens,
            slot=self.runtime.tokens,
            legacy_keys=(f"{self.conn_type}__{self.conn_id}",),  # the key before fingerprints: refresh token only
        )

    #: where ``ccanalytics-login`` listens when the connection names no ``redirect_uri``.
    default_redirect_uri = "http://127.0.0.1:8976/callback"

    @property
    def authorize_url(self) -> str:
        """The vendor's authorization endpoint."""
        raise NotImplementedError

    @property
    def token_endpoint(self) -> TokenEndpoint:
        raise NotImplementedError

    def authorization_request(self, redirect_uri: str | None = None) -> AuthorizationRequest:
        """A new interactive login (authorize URL with state and PKCE) for ``ccanalytics-login``."""
        redirect = redirect_uri or self.extras.get("redirect_uri") or self.default_redirect_uri
        return AuthorizationRequest(
            self.authorize_url, self.token_endpoint.client_id, redirect, self.extras.get("scopes")
        )

    def job_status(self, job_id: str, kind: str | JobType = "") -> JobStatus:
        """The vendor job's status (used by triggers, sensors and synchronous waits).

        :param kind: the job type or its registry name (:func:`~airflow_provider_ccanalytics.core.catalog.job_type`;
            default: the vendor's :attr:`default_job_type`).
        """
        return job_type(kind or self.default_job_type).status(self.get_client(), job_id)

    def cancel_job(self, job_id: str, kind: str | JobType = "") -> None:
        """Cancel the vendor job (of the job type ``kind``; default: the vendor's :attr:`default_job_type`)."""
        job_type(kind or self.default_job_type).cancel(self.get_client(), job_id)

    def get_client(self) -> Any:
        """The hook's (cached) authenticated client."""
        return self.client  # type: ignore[attr-defined]

    def get_conn(self) -> Any:
        raise NotImplementedError

    def check(self, client: Any) -> str:
        """Make one cheap API call with ``client``; returns a one-line description."""
        raise NotImplementedError

    def test_connection(self) -> tuple[bool, str]:
        """For the UI's Test button: a new token is obtained (never a cached one) and one API call succeeds."""
        probe = type(self)(self.conn_id, retry=self._retry, share_tokens=False)
        try:
            return True, probe.check(probe.get_conn())
        except CcAnalyticsError as error:
            return False, str(error)

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        from airflow_provider_ccanalytics import get_provider_info

        for conn in get_provider_info()["connection-types"]:
            if conn["connection-type"] == cls.conn_type:
                return dict(conn["ui-field-behaviour"])
        return {}
