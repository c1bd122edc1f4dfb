"""Pytest fixtures for testing DAGs against the sandbox (registered through the ``pytest11`` entry point).

``ccanalytics_sandbox`` gives a running :class:`Sandbox`; ``ccanalytics_connections`` also
points ``genesys_cloud_default`` and ``nice_cxone_default`` at it through ``AIRFLOW_CONN_*``.

Sources: no vendor shape of its own (the sandbox modules name theirs).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from airflow_provider_ccanalytics.testing.server import Sandbox, SandboxConfig


@pytest.fixture
def ccanalytics_sandbox_config() -> SandboxConfig:
    """Override to change the sandbox's data, limits or faults."""
    return SandboxConfig()


@pytest.fixture
def ccanalytics_sandbox(ccanalytics_sandbox_config: SandboxConfig) -> Iterator[Sandbox]:
    """A running sandbox on 127.0.0.1, stopped after the test."""
    with Sandbox(ccanalytics_sandbox_config) as sandbox:
        yield sandbox


@pytest.fixture
def ccanalytics_connections(ccanalytics_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The default connection ids of both vendors, pointed at the sandbox."""
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT", json.dumps(ccanalytics_sandbox.genesys_connection()))
    monkeypatch.setenv("AIRFLOW_CONN_NICE_CXONE_DEFAULT", json.dumps(ccanalytics_sandbox.cxone_connection()))
    return ccanalytics_sandbox
