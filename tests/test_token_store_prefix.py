"""Token readability: the Variable name prefix is the user's to choose (a prefix their access rules restrict)."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_ccanalytics.core.auth import MemoryTokenStore
from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.testing import Sandbox
from airflow_provider_ccanalytics.token_store import VariableTokenStore


def test_the_token_variable_prefix_names_the_variables(sandbox: Sandbox, connect: Any) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection(token_variable_prefix="restricted.ccanalytics_"))
    hook = GenesysCloudHook()
    assert isinstance(hook.token_store, VariableTokenStore)
    assert hook.token_store.name(hook.token_key) == f"restricted.ccanalytics_{hook.token_key}"


def test_a_prefix_that_cannot_name_a_variable_is_refused(sandbox: Sandbox, connect: Any) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection(token_variable_prefix="a b/c"))
    with pytest.raises(ConfigurationError, match="token_variable_prefix"):
        GenesysCloudHook().token_store  # noqa: B018


def test_an_own_token_store_wins(sandbox: Sandbox, connect: Any) -> None:
    connect("genesys_cloud_default", sandbox.genesys_connection(token_variable_prefix="x_"))
    store = MemoryTokenStore()
    assert GenesysCloudHook(token_store=store).token_store is store
