"""Genesys Cloud regions: the region domains and the login and API base URLs of each.

Source: Genesys' list of AWS regions for Genesys Cloud deployments (the platform API host is ``api.{region}``,
the login host ``login.{region}``).
"""

from __future__ import annotations

from airflow_provider_ccanalytics.core.errors import ConfigurationError

#: Region domains (API host ``api.{region}``, login host ``login.{region}``).
GENESYS_REGIONS: dict[str, str] = {
    "mypurecloud.com": "Americas (US East)",
    "use2.us-gov-pure.cloud": "Americas (US East 2, FedRAMP)",
    "usw2.pure.cloud": "Americas (US West)",
    "cac1.pure.cloud": "Americas (Canada)",
    "sae1.pure.cloud": "Americas (Sao Paulo)",
    "mxc1.pure.cloud": "Americas (Mexico)",
    "mypurecloud.ie": "EMEA (Dublin)",
    "euw2.pure.cloud": "EMEA (London)",
    "mypurecloud.de": "EMEA (Frankfurt)",
    "euc2.pure.cloud": "EMEA (Zurich)",
    "mec1.pure.cloud": "EMEA (UAE)",
    "edee1.eusc-pure.cloud": "EMEA (EU sovereign cloud)",
    "aps1.pure.cloud": "Asia Pacific (Mumbai)",
    "apne2.pure.cloud": "Asia Pacific (Seoul)",
    "mypurecloud.com.au": "Asia Pacific (Sydney)",
    "mypurecloud.jp": "Asia Pacific (Tokyo)",
    "apne3.pure.cloud": "Asia Pacific (Osaka)",
    "apse1.pure.cloud": "Asia Pacific (Singapore)",
}
DEFAULT_REGION = "mypurecloud.com"


def genesys_base_urls(region: str | None, login_url: str | None = None, api_url: str | None = None) -> tuple[str, str]:
    """The (login, api) base URLs for a region, or the explicit overrides.

    :param region: a region domain such as ``mypurecloud.ie``.
    :param login_url: full login base URL (private link, sandbox); overrides the region.
    :param api_url: full API base URL; overrides the region.
    """
    region = (region or DEFAULT_REGION).strip().lower()
    for prefix in ("https://", "http://", "api.", "login."):
        region = region.removeprefix(prefix)
    region = region.rstrip("/")
    if (not login_url or not api_url) and region not in GENESYS_REGIONS:
        known = ", ".join(sorted(GENESYS_REGIONS))
        raise ConfigurationError(
            "host",
            f"unknown Genesys Cloud region '{region}'. Use one of: {known}; or set login_url and api_url",
        )
    return (login_url or f"https://login.{region}").rstrip("/"), (api_url or f"https://api.{region}").rstrip("/")
