"""The API sandbox (compatibility module): the implementation lives in :mod:`.sandbox`, one module per concern.

Every name imported from here before the split still is.

Sources: no vendor shape of its own (the sandbox modules name theirs).
"""

from airflow_provider_ccanalytics.testing.sandbox import (
    ApiProblem,
    Fault,
    RawJson,
    Sandbox,
    SandboxConfig,
    genesys_problem,
    json_body,
    oauth_problem,
)
from airflow_provider_ccanalytics.testing.sandbox.genesys_jobs import _Job
from airflow_provider_ccanalytics.testing.sandbox.http import make_handler as _make_handler
from airflow_provider_ccanalytics.testing.sandbox.oauth import _Grant

_json = json_body

__all__ = [
    "ApiProblem",
    "Fault",
    "RawJson",
    "Sandbox",
    "SandboxConfig",
    "_Grant",
    "_Job",
    "_json",
    "_make_handler",
    "genesys_problem",
    "json_body",
    "oauth_problem",
]
