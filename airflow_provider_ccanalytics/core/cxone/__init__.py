"""NICE CXone: the client, discovery, answer shapes, declared endpoints, schemas and job families.

``client.py`` has :class:`CxoneClient` (completed contacts, Data Extraction), ``reports.py`` its custom report
calls (data download, report jobs); ``discovery.py`` the OpenID discovery of the token endpoint and the tenant's
API base; ``shapes.py`` what CXone's answers look like (job ids, states, error mapping); ``values.py`` how
reporting values are read (ISO-8601 durations, both casings, numbers as text); ``endpoints.py`` the declared admin
lists, reporting summaries and agent state history (a new CXone endpoint goes there); ``schemas.py`` the typed
columns of completed contacts and extractions; ``jobs.py`` the extraction and report job families.

May import: the same rooms as ``core.genesys`` (every package of ``core/`` but the vendors and the
catalog), never ``core.genesys`` itself."""

from __future__ import annotations

from airflow_provider_ccanalytics.core.cxone.client import CxoneClient, CxoneSettings
from airflow_provider_ccanalytics.core.cxone.discovery import (
    DEFAULT_ISSUER,
    OidcConfiguration,
    discover,
    forget_discovery,
)
from airflow_provider_ccanalytics.core.cxone.endpoints import ENDPOINTS
from airflow_provider_ccanalytics.core.cxone.jobs import CXONE_EXTRACTION_JOBS, CXONE_REPORT_JOBS, JOB_TYPES
from airflow_provider_ccanalytics.core.cxone.schemas import SCHEMAS
from airflow_provider_ccanalytics.core.cxone.shapes import (
    COMPLETED_CONTACTS,
    EXTRACTION_JOBS,
    KNOWN_EXTRACTION_ENTITIES,
    REPORT_JOBS,
    contact_start,
    job_id_from_answer,
)

__all__ = [
    "COMPLETED_CONTACTS",
    "CXONE_EXTRACTION_JOBS",
    "CXONE_REPORT_JOBS",
    "DEFAULT_ISSUER",
    "ENDPOINTS",
    "EXTRACTION_JOBS",
    "JOB_TYPES",
    "KNOWN_EXTRACTION_ENTITIES",
    "REPORT_JOBS",
    "SCHEMAS",
    "CxoneClient",
    "CxoneSettings",
    "OidcConfiguration",
    "contact_start",
    "discover",
    "forget_discovery",
    "job_id_from_answer",
]
