"""The connection forms generated from the ConnectionSpecs, and the region the Genesys hook reads."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_ccanalytics import get_provider_info
from airflow_provider_ccanalytics.connections import CXONE, GENESYS, SPECS
from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.genesys import GENESYS_REGIONS
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook


def test_every_secret_extra_is_a_masked_input_and_nothing_else_is() -> None:
    for entry in get_provider_info()["connection-types"]:
        masked = {name for name, field in entry["conn-fields"].items() if field["schema"].get("format") == "password"}
        fields = entry["conn-fields"]
        secret_like = {name for name in fields if "secret" in name or "password" in name or name.endswith("_token")}
        assert masked == secret_like, entry["connection-type"]
    assert GENESYS.secret_names == ("redis_password", "refresh_token")
    assert CXONE.secret_names == ("access_key_secret", "redis_password", "refresh_token")


def test_both_forms_offer_the_limiters_the_hooks_build(connect: Any) -> None:
    for spec in SPECS:
        fields = spec.provider_entry()["conn-fields"]
        names = ["requests_per_minute", "rate_window_seconds", "rate_limiter", "redis_url", "redis_password"]
        assert [name for name in fields if name in names] == names, spec.conn_type
        assert {fields[name]["schema"]["section"] for name in names} == {"Rate limit"}
        limiter = fields["rate_limiter"]["schema"]
        assert limiter["enum"] == ["adaptive", "redis", "none"] and limiter["default"] == "adaptive"
        assert "per process" in fields["requests_per_minute"]["description"]
    assert GENESYS.provider_entry()["conn-fields"]["requests_per_minute"]["schema"]["default"] == 300
    assert "default" not in CXONE.provider_entry()["conn-fields"]["requests_per_minute"]["schema"]
    base = {"conn_type": "genesys_cloud", "login": "a", "password": "b"}
    built = {
        choice: GenesysCloudHook(connect(f"g_{choice}", {**base, "extra": {"rate_limiter": choice}})).make_limiter()
        for choice in ("adaptive", "none")
    }
    assert type(built["adaptive"]).__name__ == "AdaptiveRateLimiter" and built["none"] is None
    in_url = {"rate_limiter": "redis", "redis_url": "redis://:hunter2@127.0.0.1:6379/0"}
    with pytest.raises(ConfigurationError, match="redis_password"):  # Airflow would show it in the form
        GenesysCloudHook(connect("g_in_url", {**base, "extra": in_url})).make_limiter()


def test_cxone_access_key_is_the_first_section_and_both_forms_offer_the_test_port() -> None:
    cxone = CXONE.provider_entry()
    first = next(iter(cxone["conn-fields"].values()))
    assert first["schema"]["section"] == "Access key (machine-to-machine)"
    assert list(cxone["conn-fields"])[:2] == ["access_key_id", "access_key_secret"]
    for spec in SPECS:
        behaviour = spec.provider_entry()["ui-field-behaviour"]
        assert "port" not in behaviour["hidden-fields"] and behaviour["placeholders"]["port"] == "443"


def test_genesys_region_is_a_choice_of_the_known_regions_without_a_default() -> None:
    region = GENESYS.provider_entry()["conn-fields"]["region"]["schema"]
    assert region["enum"] == list(GENESYS_REGIONS)
    assert "default" not in region  # an unset select falls back to the host, so editing never moves a region


def test_the_hook_reads_the_region_select_then_the_host(connect: Any) -> None:
    base = {"conn_type": "genesys_cloud", "login": "a", "password": "b"}
    picked = GenesysCloudHook(
        connect("g_pick", {**base, "host": "mypurecloud.de", "extra": {"region": "euw2.pure.cloud"}})
    )
    assert picked.base_urls == ("https://login.euw2.pure.cloud", "https://api.euw2.pure.cloud")
    host = GenesysCloudHook(connect("g_host", {**base, "host": "mypurecloud.jp", "extra": {"region": None}}))
    assert host.base_urls == ("https://login.mypurecloud.jp", "https://api.mypurecloud.jp")
