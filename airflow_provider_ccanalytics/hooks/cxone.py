"""NiceCxoneHook: NICE CXone OAuth (access key or authorization code) and reporting."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow_provider_ccanalytics.core.auth import TokenEndpoint, access_key_form
from airflow_provider_ccanalytics.core.cxone import (
    CXONE_EXTRACTION_JOBS,
    DEFAULT_ISSUER,
    CxoneClient,
    CxoneSettings,
    OidcConfiguration,
    discover,
)
from airflow_provider_ccanalytics.core.http import checked_identifier
from airflow_provider_ccanalytics.hooks.base import CcAnalyticsHook


class NiceCxoneHook(CcAnalyticsHook):
    """Talks to NICE CXone with the connection ``nice_cxone_conn_id``.

    Connection: Login = OAuth client id, Password = client secret. Extras: ``issuer``,
    ``grant_type`` (``access_key`` or ``authorization_code``), ``access_key_id``,
    ``access_key_secret``, ``refresh_token``, ``redirect_uri``, ``api_url``, ``requests_per_minute``,
    ``rate_window_seconds``, ``rate_limiter``, ``redis_url``, ``redis_password``
    (see ``CcAnalyticsHook.make_limiter``).

    :param nice_cxone_conn_id: the connection id.
    """

    conn_name_attr = "nice_cxone_conn_id"
    default_conn_name = "nice_cxone_default"
    conn_type = "nice_cxone"
    hook_name = "NICE CXone"
    grant_types = ("access_key", "authorization_code")
    default_job_type = CXONE_EXTRACTION_JOBS.name
    default_requests_per_minute = 0.0  # CXone publishes no fixed per-token rate: rely on Retry-After
    #: GUESS: NICE documents ``result.url`` as a pre-signed link valid ~30 s but names no host for it (checked
    #: developer.niceincontact.com/API/DataExtractionAPI and the help pages); pre-signed links of this kind are
    #: S3's, and NICE's own domains are added. Set the ``download_hosts`` extra to narrow or extend it.
    default_download_hosts = ("amazonaws.com", "niceincontact.com", "nice-incontact.com", "nicecxone.com")

    def __init__(self, nice_cxone_conn_id: str = default_conn_name, **kwargs: object) -> None:
        super().__init__(nice_cxone_conn_id, **kwargs)  # type: ignore[arg-type]

    @property
    def issuer(self) -> str:
        return str(self.extras.get("issuer") or DEFAULT_ISSUER).rstrip("/")

    @cached_property
    def oidc(self) -> OidcConfiguration:
        oidc = discover(self.transport, self.issuer, self.runtime)
        self.hosts.allow(oidc.token_endpoint)  # the issuer's discovery names the token endpoint: trusted
        return oidc

    def host_urls(self) -> list[str]:
        """The issuer and, when set, the ``api_url`` extra."""
        return [self.issuer, *([str(self.extras["api_url"])] if self.extras.get("api_url") else [])]

    def discovered_hosts(self) -> list[Any]:
        """The tenant's API base, which the issuer's ``cxone-configuration`` names."""
        return [lambda: self.client.api_base]

    @cached_property
    def token_endpoint(self) -> TokenEndpoint:
        client_id = self.require(self.connection.login, "login", "the OAuth client id registered with CXone")
        return TokenEndpoint(self.oidc.token_endpoint, client_id, self.connection.password or None)

    def get_conn(self) -> CxoneClient:
        """An authenticated :class:`CxoneClient`."""
        form = None
        if self.grant_type == "access_key":
            form = access_key_form(
                self.require(self.extras.get("access_key_id"), "access_key_id", "the CXone access key id"),
                self.require(self.extras.get("access_key_secret"), "access_key_secret", "the CXone access key secret"),
            )
        settings = CxoneSettings(
            poll_interval=self.setting("poll_interval_seconds", 15.0),
            contacts_order_by=str(self.extras.get("contacts_order_by") or "") or None,
        )
        return CxoneClient(
            self.transport,
            self.token_manager(self.token_endpoint, form),
            self.issuer,
            self.extras.get("api_url"),
            settings,
            self.runtime,
        )

    def partition_scope(self) -> str:
        """``tenant=<the tenant id>`` (the access token's ``tenantId`` claim, read once per connection)."""
        return f"tenant={checked_identifier(self.client.tenant_id, 'the tenant id (token claim tenantId)')}"

    @cached_property
    def client(self) -> CxoneClient:
        return self.get_conn()

    @property
    def authorize_url(self) -> str:
        return self.oidc.authorization_endpoint

    def check(self, client: CxoneClient) -> str:
        return f"Connected to CXone tenant API {client.api_base} (issuer {self.issuer})"
