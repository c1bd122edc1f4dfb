"""Apache Airflow provider for contact-centre analytics: Genesys Cloud and NICE CXone."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_GRANT_HELP = (
    "Machine-to-machine runs unattended; authorization_code acts as a person who logged in once with ccanalytics-login."
)


def _genesys_connection_type() -> dict[str, Any]:
    from airflow_provider_ccanalytics.core.genesys import DEFAULT_REGION

    return {
        "connection-type": "genesys_cloud",
        "hook-class-name": "airflow_provider_ccanalytics.hooks.genesys.GenesysCloudHook",
        "hook-name": "Genesys Cloud",
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port", "extra"],
            "relabeling": {"host": "Region", "login": "Client ID", "password": "Client Secret"},
            "placeholders": {
                "host": DEFAULT_REGION,
                "login": "OAuth client id (Admin > Integrations > OAuth)",
                "password": "OAuth client secret (empty for a PKCE public client)",
            },
        },
        "conn-fields": {
            "grant_type": {
                "label": "Grant type",
                "schema": {
                    "type": ["string", "null"],
                    "enum": ["client_credentials", "authorization_code"],
                    "default": "client_credentials",
                },
                "description": "client_credentials (machine-to-machine) or authorization_code (delegated). "
                + _GRANT_HELP,
            },
            "scopes": {
                "label": "Scopes",
                "schema": {"type": ["string", "null"]},
                "description": "Space-separated OAuth scopes, e.g. 'analytics:readonly'. Empty: the client's own.",
            },
            "refresh_token": {
                "label": "Refresh token",
                "schema": {"type": ["string", "null"]},
                "description": "For authorization_code: from 'ccanalytics-login --conn-id ... --print'. "
                "Rotated tokens are kept in the token store, not here.",
                "sensitive": True,
            },
            "redirect_uri": {
                "label": "Redirect URI",
                "schema": {"type": ["string", "null"], "format": "uri"},
                "description": "For authorization_code: the redirect URI registered on the OAuth client.",
            },
            "login_url": {
                "label": "Login base URL",
                "schema": {"type": ["string", "null"], "format": "uri"},
                "description": "Overrides the region's https://login.<region> (private link, sandbox).",
            },
            "api_url": {
                "label": "API base URL",
                "schema": {"type": ["string", "null"], "format": "uri"},
                "description": "Overrides the region's https://api.<region> (private link, sandbox).",
            },
            "requests_per_minute": {
                "label": "Requests per minute",
                "schema": {"type": ["integer", "null"], "default": 300},
                "description": "Client-side pacing per connection and process (Genesys allows 300 per token).",
            },
        },
    }


def _cxone_connection_type() -> dict[str, Any]:
    return {
        "connection-type": "nice_cxone",
        "hook-class-name": "airflow_provider_ccanalytics.hooks.cxone.NiceCxoneHook",
        "hook-name": "NICE CXone",
        "ui-field-behaviour": {
            "hidden-fields": ["host", "schema", "port", "extra"],
            "relabeling": {"login": "Client ID", "password": "Client Secret"},
            "placeholders": {
                "login": "OAuth client id registered with CXone",
                "password": "OAuth client secret (empty for a PKCE public client)",
            },
        },
        "conn-fields": {
            "issuer": {
                "label": "Issuer",
                "schema": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "default": "https://cxone.niceincontact.com",
                },
                "description": "The CXone OIDC issuer of your area (e.g. https://cxone.niceincontact.com).",
            },
            "grant_type": {
                "label": "Grant type",
                "schema": {
                    "type": ["string", "null"],
                    "enum": ["access_key", "authorization_code"],
                    "default": "access_key",
                },
                "description": "access_key (machine-to-machine, acts as the key's user) or authorization_code "
                "(delegated). " + _GRANT_HELP,
            },
            "access_key_id": {
                "label": "Access key ID",
                "schema": {"type": ["string", "null"]},
                "description": "For access_key: CXone Admin > Employees > (user) > Access Keys.",
            },
            "access_key_secret": {
                "label": "Access key secret",
                "schema": {"type": ["string", "null"]},
                "description": "For access_key: shown once when the key is created (ends in '====').",
                "sensitive": True,
            },
            "refresh_token": {
                "label": "Refresh token",
                "schema": {"type": ["string", "null"]},
                "description": "For authorization_code: from 'ccanalytics-login --conn-id ... --print'. "
                "CXone rotates refresh tokens; the newest lives in the token store.",
                "sensitive": True,
            },
            "redirect_uri": {
                "label": "Redirect URI",
                "schema": {"type": ["string", "null"], "format": "uri"},
                "description": "For authorization_code: the redirect URI registered on the OAuth client.",
            },
            "api_url": {
                "label": "API base URL",
                "schema": {"type": ["string", "null"], "format": "uri"},
                "description": "Overrides the tenant's discovered API base (e.g. https://api-na1.niceincontact.com).",
            },
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
