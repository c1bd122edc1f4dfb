"""The API sandbox: a local emulator of Genesys Cloud's and NICE CXone's auth and analytics APIs.

One HTTP/1.1 server on 127.0.0.1 serves both vendors under path prefixes, with the vendors'
real paths below them, so only base URLs differ from production:

- Genesys login ``/genesys/login`` (``/oauth/token``, ``/oauth/authorize``), API ``/genesys/api``.
- CXone issuer ``/cxone/issuer`` (discovery, ``/auth/token``, ``/auth/authorize``), API ``/cxone/api``,
  pre-signed result files ``/cxone/files``.
- ``/_sandbox/stats`` (counters) and ``/_sandbox/reset`` for scripts in other processes.

Modules, one per vendor and concern: ``config`` (behaviour, faults), ``problems`` (error bodies),
``base`` (state, bearer and rate limit), ``oauth``, ``genesys_analytics``, ``genesys_jobs``, ``genesys_users``,
``genesys_org``, ``cxone_reporting``, ``cxone_jobs``, ``declared`` (every declared GET endpoint: platform lists,
CXone admin lists and summaries), ``routing`` (dispatch), ``http`` (the request handler) and ``app`` (:class:`Sandbox`).
"""

from airflow_provider_ccanalytics.testing.sandbox.app import Sandbox
from airflow_provider_ccanalytics.testing.sandbox.config import Fault, SandboxConfig
from airflow_provider_ccanalytics.testing.sandbox.problems import (
    ApiProblem,
    RawJson,
    genesys_problem,
    json_body,
    oauth_problem,
)

__all__ = [
    "ApiProblem",
    "Fault",
    "RawJson",
    "Sandbox",
    "SandboxConfig",
    "genesys_problem",
    "json_body",
    "oauth_problem",
]
