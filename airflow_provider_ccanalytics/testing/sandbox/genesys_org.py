"""Genesys Cloud ``GET /api/v2/organizations/me``: the org a token belongs to (partitions are keyed by its id).

Sources: the official Genesys SDK's ``Organization`` model (``OrganizationApi.get_organizations_me``).
"""

from __future__ import annotations

from typing import Any

from airflow_provider_ccanalytics.testing.sandbox.base import SandboxBase

ORGANIZATION = "/api/v2/organizations/me"


class GenesysOrgMixin(SandboxBase):
    """The org of every token this sandbox issues (one sandbox is one org)."""

    def _organization(self) -> dict[str, Any]:
        """The SDK's ``Organization`` model: the fields a client may read (``id`` is the one we use)."""
        org, name = self.config.genesys_org_id, self.config.genesys_org_name
        return {
            "id": org,
            "name": name,
            "defaultLanguage": "en-us",
            "defaultCountryCode": "US",
            "thirdPartyOrgName": name,
            "domain": name,
            "version": 1,
            "state": "active",
            "voicemailEnabled": True,
            "productPlatform": "PureCloud",
            "selfUri": f"/api/v2/organizations/{org}",
        }
