"""Apache Airflow provider for contact-centre analytics: Genesys Cloud and NICE CXone."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_GRANT_HELP = (
    "Machine-to-machine runs unattended; authorization_code acts as a person who logged in once with ccanalytics-login."
)


def _field(
    label: str,
    description: str,
    *,
    kind: str = "string",
    sensitive: bool = False,
    uri: bool = False,
    choices: list[str] | None = None,
    default: Any = None,
) -> dict[str, Any]:
    """One ``conn-fields`` entry: a labelled, optional extra shown under "Extra Fields" in the UI."""
    schema: dict[str, Any] = {"type": [kind, "null"]}
    if uri:
        schema["format"] = "uri"
    if choices:
        schema["enum"] = choices
    if default is not None:
        schema["default"] = default
    field: dict[str, Any] = {"label": label, "schema": schema, "description": description}
    if sensitive:
        field["sensitive"] = True
    return field


def _delegated_fields(rotation_note: str) -> dict[str, Any]:
    """The fields of delegated access, shared by both vendors."""
    return {
        "refresh_token": _field(
            "Refresh token",
            f"For authorization_code: from 'ccanalytics-login --conn-id ... --print'. {rotation_note}",
            sensitive=True,
        ),
        "redirect_uri": _field(
            "Redirect URI", "For authorization_code: the redirect URI registered on the OAuth client.", uri=True
        ),
    }


def _genesys_connection_type() -> dict[str, Any]:
    from airflow_provider_ccanalytics.core.genesys import DEFAULT_REGION

    return {
        "connection-type": "genesys_cloud",
        "hook-class-name": "airflow_provider_ccanalytics.hooks.genesys.GenesysCloudHook",
        "hook-name": "Genesys Cloud",
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port"],
            "relabeling": {"host": "Region", "login": "Client ID", "password": "Client Secret"},
            "placeholders": {
                "host": DEFAULT_REGION,
                "login": "OAuth client id (Admin > Integrations > OAuth)",
                "password": "OAuth client secret (empty for a PKCE public client)",
                "extra": '{"rate_window_seconds": 60, "token_leeway_seconds": 60, "max_interval_days": 7}',
            },
        },
        "conn-fields": {
            "grant_type": _field(
                "Grant type",
                f"client_credentials (machine-to-machine) or authorization_code (delegated). {_GRANT_HELP}",
                choices=["client_credentials", "authorization_code"],
                default="client_credentials",
            ),
            "scopes": _field(
                "Scopes", "Space-separated OAuth scopes, e.g. 'analytics:readonly'. Empty: the client's own."
            ),
            **_delegated_fields("Rotated tokens are kept in the token store, not here."),
            "login_url": _field(
                "Login base URL", "Overrides the region's https://login.<region> (private link, sandbox).", uri=True
            ),
            "api_url": _field(
                "API base URL", "Overrides the region's https://api.<region> (private link, sandbox).", uri=True
            ),
            "requests_per_minute": _field(
                "Requests per minute",
                "Client-side pacing per connection and process (Genesys allows 300 per token).",
                kind="integer",
                default=300,
            ),
        },
    }


def _cxone_connection_type() -> dict[str, Any]:
    return {
        "connection-type": "nice_cxone",
        "hook-class-name": "airflow_provider_ccanalytics.hooks.cxone.NiceCxoneHook",
        "hook-name": "NICE CXone",
        "ui-field-behaviour": {
            "hidden-fields": ["host", "schema", "port"],
            "relabeling": {"login": "Client ID", "password": "Client Secret"},
            "placeholders": {
                "login": "OAuth client id registered with CXone",
                "password": "OAuth client secret (empty for a PKCE public client)",
                "extra": '{"poll_interval_seconds": 15, "token_leeway_seconds": 60}',
            },
        },
        "conn-fields": {
            "issuer": _field(
                "Issuer",
                "The CXone OIDC issuer of your area (e.g. https://cxone.niceincontact.com).",
                uri=True,
                default="https://cxone.niceincontact.com",
            ),
            "grant_type": _field(
                "Grant type",
                "access_key (machine-to-machine, acts as the key's user) or authorization_code (delegated). "
                + _GRANT_HELP,
                choices=["access_key", "authorization_code"],
                default="access_key",
            ),
            "access_key_id": _field("Access key ID", "For access_key: CXone Admin > Employees > (user) > Access Keys."),
            "access_key_secret": _field(
                "Access key secret",
                "For access_key: shown once when the key is created (ends in '====').",
                sensitive=True,
            ),
            **_delegated_fields("CXone rotates refresh tokens; the newest lives in the token store."),
            "api_url": _field(
                "API base URL",
                "Overrides the tenant's discovered API base (e.g. https://api-na1.niceincontact.com).",
                uri=True,
            ),
        },
    }


def get_provider_info() -> dict[str, Any]:
    """Provider metadata read by Airflow through the ``apache_airflow_provider`` entry point."""
    return {
        "package-name": "airflow-provider-ccanalytics",
        "name": "Contact-centre analytics (Genesys Cloud, NICE CXone)",
        "description": "Genesys Cloud and NICE CXone analytics into XCom or object storage, "
        "with both OAuth grant families and a local API sandbox.",
        "versions": [__version__],
        "connection-types": [_genesys_connection_type(), _cxone_connection_type()],
        "hooks": [
            {
                "integration-name": "Genesys Cloud",
                "python-modules": ["airflow_provider_ccanalytics.hooks.genesys"],
            },
            {
                "integration-name": "NICE CXone",
                "python-modules": ["airflow_provider_ccanalytics.hooks.cxone"],
            },
        ],
        "operators": [
            {
                "integration-name": "Genesys Cloud",
                "python-modules": ["airflow_provider_ccanalytics.operators.genesys"],
            },
            {
                "integration-name": "NICE CXone",
                "python-modules": ["airflow_provider_ccanalytics.operators.cxone"],
            },
        ],
        "sensors": [
            {
                "integration-name": "Genesys Cloud",
                "python-modules": ["airflow_provider_ccanalytics.sensors.genesys"],
            },
            {
                "integration-name": "NICE CXone",
                "python-modules": ["airflow_provider_ccanalytics.sensors.cxone"],
            },
        ],
        "triggers": [
            {
                "integration-name": "Genesys Cloud",
                "python-modules": ["airflow_provider_ccanalytics.triggers.jobs"],
            },
            {
                "integration-name": "NICE CXone",
                "python-modules": ["airflow_provider_ccanalytics.triggers.jobs"],
            },
        ],
        "integrations": [
            {
                "integration-name": "Genesys Cloud",
                "external-doc-url": "https://developer.genesys.cloud/",
                "tags": ["service"],
            },
            {
                "integration-name": "NICE CXone",
                "external-doc-url": "https://developer.niceincontact.com/",
                "tags": ["service"],
            },
        ],
    }
