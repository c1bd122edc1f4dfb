"""GenesysCloudHook: Genesys Cloud OAuth (client credentials or authorization code) and analytics."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from airflow_provider_ccanalytics.core.auth import TokenEndpoint, client_credentials_form
from airflow_provider_ccanalytics.core.genesys import (
    GENESYS_CONVERSATION_JOBS,
    GenesysClient,
    GenesysSettings,
    genesys_base_urls,
)
from airflow_provider_ccanalytics.core.http import checked_identifier
from airflow_provider_ccanalytics.hooks.base import CcAnalyticsHook

ORGANIZATION_PATH = "/api/v2/organizations/me"


class GenesysCloudHook(CcAnalyticsHook):
    """Talks to Genesys Cloud with the connection ``genesys_cloud_conn_id``.

    Connection: Login = client id, Password = client secret (empty for a PKCE public client),
    Host = region (``mypurecloud.ie``...; the form's ``region`` extra wins). Extras: ``region``, ``grant_type``,
    ``scopes``, ``refresh_token``, ``redirect_uri``, ``login_url``, ``api_url``, ``requests_per_minute``,
    ``rate_window_seconds``, ``rate_limiter``, ``redis_url``, ``redis_password``
    (see ``CcAnalyticsHook.make_limiter``).

    :param genesys_cloud_conn_id: the connection id.
    """

    conn_name_attr = "genesys_cloud_conn_id"
    default_conn_name = "genesys_cloud_default"
    conn_type = "genesys_cloud"
    hook_name = "Genesys Cloud"
    grant_types = ("client_credentials", "authorization_code")
    default_job_type = GENESYS_CONVERSATION_JOBS.name
    #: pre-signed downloads (speech & text analytics transcripts: "The pre-signed S3 URL of the transcript",
    #: SDK ``SegmentUrl``) come from S3. GUESS: the bucket's host is under amazonaws.com; ``download_hosts`` narrows it
    default_download_hosts = ("amazonaws.com",)

    def __init__(self, genesys_cloud_conn_id: str = default_conn_name, **kwargs: object) -> None:
        super().__init__(genesys_cloud_conn_id, **kwargs)  # type: ignore[arg-type]

    @cached_property
    def base_urls(self) -> tuple[str, str]:
        region = self.extras.get("region") or self.connection.host  # the form's select; host in URIs and JSON
        return genesys_base_urls(region, self.extras.get("login_url"), self.extras.get("api_url"))

    def host_urls(self) -> list[str]:
        """The login and API base URLs (the region's, or the ``login_url``/``api_url`` extras)."""
        return list(self.base_urls)

    @cached_property
    def token_endpoint(self) -> TokenEndpoint:
        client_id = self.require(self.connection.login, "login", "the OAuth client id")
        secret = self.connection.password or None
        if self.grant_type == "client_credentials" and not secret:
            self.require(secret, "password", "the OAuth client secret (client credentials need one)")
        return TokenEndpoint(f"{self.base_urls[0]}/oauth/token", client_id, secret)

    def get_conn(self) -> GenesysClient:
        """An authenticated :class:`GenesysClient`."""
        form = None
        if self.grant_type == "client_credentials":
            form = client_credentials_form(self.extras.get("scopes"))
        settings = GenesysSettings(
            max_interval=timedelta(days=self.setting("max_interval_days", 7)),
            page_size=int(self.setting("page_size", 100)),
            result_cap=int(self.setting("result_cap", 100_000)),
            job_page_size=int(self.setting("job_page_size", 1000)),
            page_workers=int(self.setting("page_workers", GenesysSettings.page_workers)),
        )
        manager = self.token_manager(self.token_endpoint, form)
        return GenesysClient(self.transport, manager, self.base_urls[1], settings, self.runtime)

    def partition_scope(self) -> str:
        """``org=<the org id>`` (``GET /api/v2/organizations/me``, once per connection and process)."""
        return f"org={checked_identifier(self.client.organization_id, 'the organization id', ORGANIZATION_PATH)}"

    @cached_property
    def client(self) -> GenesysClient:
        return self.get_conn()

    @property
    def authorize_url(self) -> str:
        return f"{self.base_urls[0]}/oauth/authorize"

    def check(self, client: GenesysClient) -> str:
        available = client.data_availability()
        return f"Connected to {self.base_urls[1]}; analytics data available up to {available.isoformat()}"
