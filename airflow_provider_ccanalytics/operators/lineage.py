"""OpenLineage facets of the analytics operators (the ``openlineage`` extra).

Airflow's OpenLineage provider (``apache-airflow-providers-openlineage``) calls an operator's
``get_openlineage_facets_on_complete(task_instance)`` when the task succeeded; :class:`.AnalyticsOperator`
answers with :func:`operator_lineage`. Without the provider nothing calls it and nothing of OpenLineage is
imported (the imports below are inside the functions).

What a run reports (OpenLineage's naming conventions, ``spec/Naming.md``: a dataset's namespace is the
datasource as ``scheme://authority``, its name the path within it; the spec names no REST APIs, so the vendor
API follows that general rule):

- **inputs**: one dataset per vendor endpoint read: namespace ``genesys://<org id>`` or ``cxone://<tenant id>``
  (the connection's :meth:`~.CcAnalyticsHook.partition_scope`), name the endpoint's path, e.g.
  ``/api/v2/analytics/conversations/details/query``.
- **outputs**: each partition folder written (namespace ``file`` and the local path, or ``s3://<bucket>`` and the
  key, as in the spec's file-system and S3 rows), or the Delta table; each with the ``schema`` facet from the
  declared schema (:func:`~airflow_provider_ccanalytics.core.catalog.schema_for`) and the ``outputStatistics``
  facet with the row count (and bytes) of the manifests the run wrote. ``layout="tables"``: one dataset per
  table folder. XCom output: inputs only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_ccanalytics.core.catalog import endpoint_named, schema_for
from airflow_provider_ccanalytics.core.cxone import COMPLETED_CONTACTS, EXTRACTION_JOBS, REPORT_JOBS
from airflow_provider_ccanalytics.core.datasets import Endpoint
from airflow_provider_ccanalytics.core.genesys import AGGREGATES_QUERY, DETAILS_QUERY, AggregateFamily, jobs_path
from airflow_provider_ccanalytics.core.records import DatasetSchema

#: the endpoint each job family reads (by its registry name)
JOB_ENDPOINTS = {
    "genesys.conversation_details": jobs_path("conversations"),
    "genesys.user_details": jobs_path("users"),
    "cxone.data_extraction": EXTRACTION_JOBS,
    "cxone.report": REPORT_JOBS,
}
#: the endpoint the other (query) operators read, by ``vendor.dataset``
QUERY_ENDPOINTS = {
    "genesys.conversation_details": DETAILS_QUERY,
    "genesys.conversation_aggregates": AGGREGATES_QUERY,
    "cxone.completed_contacts": COMPLETED_CONTACTS,
}


def endpoint_paths(operator: Any) -> list[str]:
    """The vendor endpoint paths ``operator`` reads its records from (empty: unknown, reports no input)."""
    declared = getattr(operator, "endpoint", None)
    if isinstance(declared, Endpoint):  # EndpointOperator and its vendor operators
        return [declared.path]
    family = getattr(operator, "declaration", None)
    if isinstance(family, AggregateFamily):  # an aggregates operator: its family's query, or its jobs
        return [family.jobs_path if getattr(operator, "mode", "query") == "job" else family.query_path]
    job_type = getattr(operator, "job_type", None)
    if job_type is not None and job_type.name in JOB_ENDPOINTS:
        return [JOB_ENDPOINTS[job_type.name]]
    name = f"{operator.vendor}.{operator.dataset}"
    if name in QUERY_ENDPOINTS:
        return [QUERY_ENDPOINTS[name]]
    try:  # a declared windowed endpoint read by a dedicated operator (users details query)
        return [endpoint_named(operator.vendor, operator.dataset).path]
    except Exception:
        return []


def input_namespace(vendor: str, scope: str) -> str:
    """``genesys://<org id>`` / ``cxone://<tenant id>`` from a partition scope (``org=<id>``, ``tenant=<id>``)."""
    return f"{vendor}://{scope.partition('=')[2] or scope}"


def output_location(uri: str) -> tuple[str, str]:
    """The OpenLineage (namespace, name) of a written folder: ``file`` and the path, or ``s3://<bucket>`` and the key.

    :param uri: ``file:///data/...``, a local path (a Delta table), or ``s3://[conn_id@]bucket/key``.
    """
    parts = urlsplit(uri)
    if parts.scheme in ("", "file", "local"):
        return "file", parts.path
    bucket = parts.netloc.rpartition("@")[2]  # an ObjectStoragePath may name its connection: conn_id@bucket
    return f"{parts.scheme}://{bucket}", parts.path.lstrip("/")


def schema_facet(schema: DatasetSchema) -> Any:
    """The ``schema`` dataset facet of a declared schema (None: nothing declared)."""
    from airflow.providers.common.compat.openlineage.facet import SchemaDatasetFacet, SchemaDatasetFacetFields

    if not schema.columns:
        return None
    fields = [SchemaDatasetFacetFields(name=c.name, type=c.type, description=c.doc or None) for c in schema.columns]
    return SchemaDatasetFacet(fields=fields)


def output_dataset(uri: str, schema: DatasetSchema, rows: int | None, size: int | None = None) -> Any:
    """One output dataset with its schema and row-count facets."""
    from airflow.providers.common.compat.openlineage.facet import OutputDataset, OutputStatisticsOutputDatasetFacet

    namespace, name = output_location(uri)
    schema_part = schema_facet(schema)
    facets: dict[str, Any] = {"schema": schema_part} if schema_part is not None else {}
    statistics: dict[str, Any] = {}
    if rows is not None:
        statistics["outputStatistics"] = OutputStatisticsOutputDatasetFacet(rowCount=rows, size=size)
    return OutputDataset(namespace=namespace, name=name, facets=facets, outputFacets=statistics)


def partition_outputs(operator: Any, written: Mapping[str, Any]) -> list[Any]:
    """The output datasets of one written partition (its summary): the folder, or one per table folder."""
    schema_name = operator.schema_name or operator.dataset
    tables = written.get("tables")
    if not tables:
        rows, size = written.get("record_count"), written.get("bytes")
        return [output_dataset(written["uri"], schema_for(schema_name), rows, size)]
    from airflow_provider_ccanalytics.outputs import read_manifest
    from airflow_provider_ccanalytics.outputs.tables import table_schema

    manifest = read_manifest(written["uri"], operator.output_conn_id) or {"files": []}
    datasets = []
    for table in tables:
        files = [entry for entry in manifest["files"] if entry.get("table", "") == table]
        rows = sum(entry.get("records", 0) for entry in files)
        size = sum(entry.get("bytes", 0) for entry in files)
        datasets.append(output_dataset(f"{written['uri']}/{table}", table_schema(schema_name, table), rows, size))
    return datasets


def operator_lineage(operator: Any) -> Any:
    """The :class:`OperatorLineage` of a finished run of an analytics operator (see the module docstring)."""
    from airflow.providers.common.compat.openlineage.facet import InputDataset
    from airflow.providers.openlineage.extractors import OperatorLineage

    namespace = input_namespace(operator.vendor, operator.partition_scope())
    inputs = [InputDataset(namespace=namespace, name=path) for path in endpoint_paths(operator)]
    outputs: list[Any] = []
    for written in operator.written_outputs:
        if written.get("format") == "delta":
            outputs.append(output_dataset(written["uri"], schema_for(operator.dataset), written.get("record_count")))
        else:
            outputs += partition_outputs(operator, written)
    return OperatorLineage(inputs=inputs, outputs=outputs)
