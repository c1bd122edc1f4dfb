"""One declarative spec per connection type: it generates the UI form and lists the extras once.

Airflow 3.3's UI builds the form from ``get_provider_info()["connection-types"]``: the standard
fields (``ui-field-behaviour``) open, then the ``conn-fields`` in collapsed sections (a field's
``schema.section``, in order of first appearance). It masks an input only when the field's JSON
schema has ``"format": "password"`` (it ignores ``"sensitive"``); the API shows saved values of
keys whose names contain ``secret``, ``token``, ``access_key``, ``password``... as ``***``.
This module imports no Airflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_ccanalytics.core.cxone import DEFAULT_ISSUER
from airflow_provider_ccanalytics.core.genesys import DEFAULT_REGION, GENESYS_REGIONS

#: Airflow 3.3.0-3.3.2's Test button sends ``port: 0`` for a connection without a port and the API
#: then refuses to test it (fixed upstream by apache/airflow#73298); any stored port avoids that.
TEST_BUTTON_PORT = 443
_PORT_LABEL = "Port (443: lets Airflow 3.3's Test button work; not used)"
_GRANT_HELP = "Machine-to-machine runs unattended; authorization_code acts as a person who logged in once."
_DELEGATED = "Delegated access (authorization_code)"
_RATE_LIMIT = "Rate limit"


@dataclass(frozen=True)
class ExtraField:
    """One connection extra as a labelled form input.

    :param name: the key in the connection's extra (a public name).
    :param label: the label in the form.
    :param description: the help text under the input.
    :param kind: the JSON schema type (``string``, ``integer``).
    :param secret: a masked input (``format: password``).
    :param choices: allowed values, with display names where the mapping gives them.
    :param default: the value a new connection starts with.
    :param section: the form section (None: "Extra Fields").
    """

    name: str
    label: str
    description: str
    kind: str = "string"
    secret: bool = False
    choices: Mapping[str, str] | None = None
    default: Any = None
    section: str | None = None

    def conn_field(self) -> dict[str, Any]:
        """The ``conn-fields`` entry."""
        schema: dict[str, Any] = {"type": [self.kind, "null"]}
        if self.secret:
            schema["format"] = "password"
        if self.choices:
            schema["enum"] = list(self.choices)
            schema["values_display"] = dict(self.choices)
        if self.default is not None:
            schema["default"] = self.default
        if self.section:
            schema["section"] = self.section
        return {"label": self.label, "schema": schema, "description": self.description}


@dataclass(frozen=True)
class ConnectionSpec:
    """A connection type: its hook, the standard fields' labels and its extras.

    :param conn_type: the connection type (URIs spell ``_`` as ``-``).
    :param hook_class: the hook's import path.
    :param hook_name: the name in the type picker.
    :param relabeling: labels of the standard fields shown.
    :param placeholders: placeholders of the standard fields.
    :param hidden: standard fields not shown.
    :param extras: the extras, in form order.
    """

    conn_type: str
    hook_class: str
    hook_name: str
    relabeling: dict[str, str]
    placeholders: dict[str, str]
    hidden: tuple[str, ...]
    extras: tuple[ExtraField, ...] = field(default=())

    @property
    def extra_names(self) -> tuple[str, ...]:
        return tuple(extra.name for extra in self.extras)

    @property
    def secret_names(self) -> tuple[str, ...]:
        """Extras shown masked: secrets in addition to the standard password."""
        return tuple(extra.name for extra in self.extras if extra.secret)

    def provider_entry(self) -> dict[str, Any]:
        """The ``connection-types`` entry of ``get_provider_info()``."""
        return {
            "connection-type": self.conn_type,
            "hook-class-name": self.hook_class,
            "hook-name": self.hook_name,
            "ui-field-behaviour": {
                "hidden-fields": list(self.hidden),
                "relabeling": dict(self.relabeling),
                "placeholders": dict(self.placeholders),
            },
            "conn-fields": {extra.name: extra.conn_field() for extra in self.extras},
        }


def _delegated(rotation_note: str) -> tuple[ExtraField, ...]:
    return (
        ExtraField(
            "refresh_token",
            "Refresh token",
            f"Optional: 'ccanalytics-login --conn-id ...' stores it for you. {rotation_note}",
            secret=True,
            section=_DELEGATED,
        ),
        ExtraField(
            "redirect_uri",
            "Redirect URI",
            "The redirect URI registered on the OAuth client, e.g. http://127.0.0.1:8976/callback.",
            section=_DELEGATED,
        ),
    )


def _rate_limit(vendor_note: str, default: int | None = None) -> tuple[ExtraField, ...]:
    """The pacing extras ``CcAnalyticsHook.make_limiter`` reads, in one section."""
    return (
        ExtraField(
            "requests_per_minute",
            "Requests per window",
            "Client-side pacing of this connection: requests per rate window (60 s unless set below), per "
            "process with the adaptive limiter, for all workers together with redis. " + vendor_note,
            kind="integer",
            default=default,
            section=_RATE_LIMIT,
        ),
        ExtraField(
            "rate_window_seconds",
            "Rate window (seconds)",
            "The window the limit above is counted over. Empty: 60.",
            kind="number",
            section=_RATE_LIMIT,
        ),
        ExtraField(
            "rate_limiter",
            "Rate limiter",
            "adaptive: a bucket in each worker process that slows down on a 429 and recovers; redis: one bucket "
            "in Redis shared by every worker of this connection (needs the redis extra and the URL below); "
            "none: no client-side pacing.",
            choices={
                "adaptive": "Adaptive (per process)",
                "redis": "Redis (shared by all workers)",
                "none": "None",
            },
            default="adaptive",
            section=_RATE_LIMIT,
        ),
        ExtraField(
            "redis_url",
            "Redis URL",
            "For rate_limiter redis, e.g. redis://redis:6379/0 (rediss:// for TLS), without a password: put it "
            "in the field below, which Airflow keeps hidden.",
            section=_RATE_LIMIT,
        ),
        ExtraField(
            "redis_password",
            "Redis password",
            "The Redis password (or ACL user's password), if Redis requires one.",
            secret=True,
            section=_RATE_LIMIT,
        ),
    )


def _hosts(download_note: str) -> tuple[ExtraField, ...]:
    """The host allow-list extras ``CcAnalyticsHook.hosts`` reads, and where tokens are kept."""
    return (
        ExtraField(
            "token_variable_prefix",
            "Token Variable prefix",
            "Tokens are shared in Airflow Variables named <prefix><connection key>, which DAG authors and "
            "'airflow variables get' can read. Empty: ccanalytics_token_. Choose a prefix your secrets backend "
            "or access rules keep from DAG authors.",
            section="Hosts",
        ),
        ExtraField(
            "allowed_hosts",
            "More trusted hosts",
            "Comma-separated host names (name or name:port) the token may also be sent to. Empty: only the login, "
            "API and issuer hosts above and what the vendor's discovery names; a nextUri, result URL or redirect "
            "to any other host is refused.",
            section="Hosts",
        ),
        ExtraField(
            "download_hosts",
            "Download hosts",
            "Comma-separated domains (subdomains included) pre-signed files may be downloaded from, without the "
            "token. " + download_note,
            section="Hosts",
        ),
    )


GENESYS = ConnectionSpec(
    conn_type="genesys_cloud",
    hook_class="airflow_provider_ccanalytics.hooks.genesys.GenesysCloudHook",
    hook_name="Genesys Cloud",
    hidden=("schema", "host"),
    relabeling={"login": "Client ID", "password": "Client Secret", "port": _PORT_LABEL},
    placeholders={
        "login": "OAuth client id (Admin > Integrations > OAuth)",
        "password": "OAuth client secret (empty for a PKCE public client)",
        "port": str(TEST_BUTTON_PORT),
        "extra": '{"token_leeway_seconds": 60, "max_interval_days": 7}',
    },
    extras=(
        ExtraField(
            "region",
            "Region",
            f"Your organization's region. Empty: the connection's host, else {DEFAULT_REGION}. "
            "Private link or the sandbox: leave it and set the login and API base URLs.",
            choices={domain: f"{name} - {domain}" for domain, name in GENESYS_REGIONS.items()},
        ),
        ExtraField(
            "grant_type",
            "Grant type",
            f"client_credentials (machine-to-machine) or authorization_code (delegated). {_GRANT_HELP}",
            choices={"client_credentials": "Client credentials", "authorization_code": "Authorization code"},
            default="client_credentials",
        ),
        ExtraField("scopes", "Scopes", "Space-separated OAuth scopes, e.g. 'analytics:readonly'. Empty: the client's."),
        ExtraField(
            "login_url", "Login base URL", "Overrides the region's https://login.<region> (private link, sandbox)."
        ),
        ExtraField("api_url", "API base URL", "Overrides the region's https://api.<region> (private link, sandbox)."),
        *_rate_limit("Genesys allows 300 per minute per token; 0: no pacing.", default=300),
        *_hosts("Empty: none (this provider downloads no Genesys files)."),
        *_delegated("Rotated tokens are kept in the token store, not here."),
    ),
)

CXONE = ConnectionSpec(
    conn_type="nice_cxone",
    hook_class="airflow_provider_ccanalytics.hooks.cxone.NiceCxoneHook",
    hook_name="NICE CXone",
    hidden=("schema", "host"),
    relabeling={"login": "OAuth Client ID", "password": "OAuth Client Secret", "port": _PORT_LABEL},
    placeholders={
        "login": "OAuth client id registered with CXone (the access key is in the next section)",
        "password": "OAuth client secret (empty for a PKCE public client)",
        "port": str(TEST_BUTTON_PORT),
        "extra": '{"poll_interval_seconds": 15, "token_leeway_seconds": 60}',
    },
    extras=(
        ExtraField(
            "access_key_id",
            "Access key ID",
            "Admin > Employees > (the user the jobs act as) > Access Keys. Shown as *** once saved.",
            section="Access key (machine-to-machine)",
        ),
        ExtraField(
            "access_key_secret",
            "Access key secret",
            "Shown once when the key is created.",
            secret=True,
            section="Access key (machine-to-machine)",
        ),
        ExtraField(
            "grant_type",
            "Grant type",
            f"access_key (machine-to-machine, acts as the key's user) or authorization_code. {_GRANT_HELP}",
            choices={"access_key": "Access key", "authorization_code": "Authorization code"},
            default="access_key",
        ),
        ExtraField(
            "issuer",
            "Issuer",
            "The CXone OIDC issuer of your area; the token endpoint is discovered from it.",
            default=DEFAULT_ISSUER,
        ),
        ExtraField("api_url", "API base URL", "Overrides the tenant's discovered API base (rarely needed)."),
        *_rate_limit("CXone publishes no fixed rate: empty or 0 paces nothing and 429s are retried after Retry-After."),
        *_hosts(
            "Empty: amazonaws.com, niceincontact.com, nice-incontact.com, nicecxone.com (a GUESS: NICE names none)."
        ),
        *_delegated("CXone rotates refresh tokens; the newest lives in the token store."),
    ),
)

SPECS: tuple[ConnectionSpec, ...] = (GENESYS, CXONE)
