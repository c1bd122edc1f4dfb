"""The API sandbox: a local emulator of Genesys Cloud's and NICE CXone's auth and analytics APIs.

One HTTP/1.1 server on 127.0.0.1 serves both vendors under path prefixes, with the vendors'
real paths below them, so only base URLs differ from production:

- Genesys login ``/genesys/login`` (``/oauth/token``, ``/oauth/authorize``), API ``/genesys/api``, pre-signed
  transcript files ``/genesys/s3`` (``genesys_speech``).
- CXone issuer ``/cxone/issuer`` (discovery, ``/auth/token``, ``/auth/authorize``), API ``/cxone/api``,
  pre-signed result files ``/cxone/files``.
- ``/_sandbox/stats`` (counters) and ``/_sandbox/reset`` for scripts in other processes.

Modules, one per vendor and concern: ``config`` (behaviour, faults), ``problems`` (error bodies), ``base`` (state,
bearer and rate limit), ``oauth``, ``genesys_analytics``, ``genesys_jobs``, ``genesys_users``, ``genesys_org``,
``genesys_quality``, ``genesys_speech`` (transcript URLs and files, topics), ``cxone_reporting``, ``cxone_jobs``,
``foreign`` (another host, and faults that point links and redirects at it),
``hostile`` (answers nested too deep, too large, or with control characters), ``list_routes`` (the sandbox's table
of GET lists: Genesys platform lists, CXone admin lists and summaries; :func:`register_sandbox_route` adds one),
``listings`` (serves them), ``routing`` (dispatch), ``http`` (the request handler) and ``app`` (:class:`Sandbox`).

The sandbox is written from the vendors' public sources (each module names its own), never from this
package's client: nothing here imports the client's modules (``core``, hooks, operators, outputs...), so a
wrong client declaration meets a sandbox that disagrees instead of one built from it.
"""

from airflow_provider_ccanalytics.testing.sandbox.app import Sandbox
from airflow_provider_ccanalytics.testing.sandbox.config import Fault, SandboxConfig
from airflow_provider_ccanalytics.testing.sandbox.foreign import ForeignHost
from airflow_provider_ccanalytics.testing.sandbox.list_routes import (
    ListRoute,
    register_sandbox_route,
    unregister_sandbox_route,
)
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
    "ForeignHost",
    "ListRoute",
    "RawJson",
    "Sandbox",
    "SandboxConfig",
    "genesys_problem",
    "json_body",
    "oauth_problem",
    "register_sandbox_route",
    "unregister_sandbox_route",
]
