"""Genesys Cloud: the client, its declared endpoints, schemas, tables layout, job families and agent activity.

``client.py`` has :class:`GenesysClient` (conversation details query and jobs, aggregates, the org lookup);
``regions.py`` the region domains and base URLs; ``shapes.py`` what its answers look like (paths, job states,
job ids, the 400s that mean 'split'); ``endpoints.py`` the declared platform lists and users details (a new Genesys
endpoint goes there); ``schemas.py`` the typed columns of conversation details, aggregates and users
details; ``flatten.py`` their ``tables`` layout; ``jobs.py`` the details and aggregates job families;
``aggregates.py`` the aggregates families (conversations, users, flows, evaluations, surveys); ``users.py`` agent
activity's partitioning rules.

May import: everything below it (the foundation, ``http``, ``auth``, ``partitions``, ``records``,
``datasets``), and nothing of the other vendor: what both vendors need belongs in one of those."""

from __future__ import annotations

from airflow_provider_ccanalytics.core.genesys.aggregates import (
    AGGREGATE_FAMILIES,
    AggregateFamily,
    aggregate_family,
    aggregate_rows,
    aggregates_docs_table,
    row_start,
)
from airflow_provider_ccanalytics.core.genesys.client import GenesysClient, GenesysSettings, details_windows
from airflow_provider_ccanalytics.core.genesys.endpoints import (
    ENDPOINTS,
    EVALUATION_EVENT_DATES,
    evaluation_rows,
    user_detail_rows,
)
from airflow_provider_ccanalytics.core.genesys.flatten import FLATTENERS, nest_conversations, nest_user_details
from airflow_provider_ccanalytics.core.genesys.jobs import (
    GENESYS_AGGREGATE_JOBS,
    GENESYS_CONVERSATION_JOBS,
    GENESYS_USER_JOBS,
    JOB_TYPES,
    GenesysAggregateJobs,
)
from airflow_provider_ccanalytics.core.genesys.regions import DEFAULT_REGION, GENESYS_REGIONS, genesys_base_urls
from airflow_provider_ccanalytics.core.genesys.schemas import SCHEMAS
from airflow_provider_ccanalytics.core.genesys.shapes import (
    AGGREGATES_QUERY,
    DETAILS_JOBS,
    DETAILS_QUERY,
    conversation_start,
    jobs_path,
)
from airflow_provider_ccanalytics.core.genesys.speech import (
    TRANSCRIPT_PURPOSES,
    Communication,
    download_transcript,
    transcript_rows,
    transcript_urls,
    voice_communications,
)
from airflow_provider_ccanalytics.core.genesys.users import (
    first_start,
    iter_user_details,
    merge_user_details,
    split_by_partition,
    user_has_open_interval,
)

__all__ = [
    "AGGREGATES_QUERY",
    "AGGREGATE_FAMILIES",
    "DEFAULT_REGION",
    "DETAILS_JOBS",
    "DETAILS_QUERY",
    "ENDPOINTS",
    "EVALUATION_EVENT_DATES",
    "FLATTENERS",
    "GENESYS_AGGREGATE_JOBS",
    "GENESYS_CONVERSATION_JOBS",
    "GENESYS_REGIONS",
    "GENESYS_USER_JOBS",
    "JOB_TYPES",
    "SCHEMAS",
    "TRANSCRIPT_PURPOSES",
    "AggregateFamily",
    "Communication",
    "GenesysAggregateJobs",
    "GenesysClient",
    "GenesysSettings",
    "aggregate_family",
    "aggregate_rows",
    "aggregates_docs_table",
    "conversation_start",
    "details_windows",
    "download_transcript",
    "evaluation_rows",
    "first_start",
    "genesys_base_urls",
    "iter_user_details",
    "jobs_path",
    "merge_user_details",
    "nest_conversations",
    "nest_user_details",
    "row_start",
    "split_by_partition",
    "transcript_rows",
    "transcript_urls",
    "user_detail_rows",
    "user_has_open_interval",
    "voice_communications",
]
