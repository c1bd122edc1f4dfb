"""The registry: every declared endpoint, schema, tables layout and job type, by name.

It is built here, explicitly, from the data each vendor package declares (``genesys/endpoints.py``,
``genesys/schemas.py``, ``genesys/flatten.py``, ``genesys/jobs.py`` and CXone's likewise): the declarations
import nothing of the registry, so there is no cycle between them. Operators, hooks, triggers and outputs look
things up here (:func:`endpoint_named`, :func:`schema_for`, :func:`flattener_for`, :func:`job_type`); a user's
own declaration (a custom report's schema, a test's toy endpoint) is added with :func:`register_schema` or
:func:`register`. This is the top of ``core/``: it may import every package of it, and no module of ``core/``
imports it.
"""

from __future__ import annotations

from airflow_provider_ccanalytics.core import cxone, genesys
from airflow_provider_ccanalytics.core.datasets import PARTITION_KINDS, Endpoint, JobType
from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.records import AS_IS, Column, DatasetSchema, Flattener

# -- endpoints ----------------------------------------------------------------------------------------------

REGISTRY: dict[str, Endpoint] = {endpoint.name: endpoint for endpoint in (*genesys.ENDPOINTS, *cxone.ENDPOINTS)}


def register(endpoint: Endpoint) -> Endpoint:
    """Add a declaration made elsewhere (a test's toy endpoint) to the registry, and its schema.

    :param endpoint: the declaration; it replaces one of the same name.
    """
    REGISTRY[endpoint.name] = endpoint
    if endpoint.schema:
        register_schema(endpoint.name, endpoint.schema_version, endpoint.schema)
    return endpoint


def unregister(name: str) -> None:
    """Remove a declaration (tests that declare a toy endpoint)."""
    REGISTRY.pop(name, None)


def endpoint_named(vendor: str, dataset: str, partition: tuple[str, ...] = PARTITION_KINDS) -> Endpoint:
    """The declared endpoint, or a ConfigurationError listing the names that exist.

    :param partition: the partition kinds the caller handles (an entities operator takes only snapshots).
    """
    found = REGISTRY.get(f"{vendor}.{dataset}")
    if found is None or found.partition not in partition:
        known = sorted(e.dataset for e in REGISTRY.values() if e.vendor == vendor and e.partition in partition)
        raise ConfigurationError("entity", f"{vendor} has no declared endpoint {dataset!r}; use one of {known}")
    return found


def endpoints(vendor: str | None = None) -> list[Endpoint]:
    """The declared endpoints (of one vendor), by name."""
    return sorted((e for e in REGISTRY.values() if vendor in (None, e.vendor)), key=lambda e: e.name)


def docs_table(vendor: str | None = None) -> str:
    """The README's endpoint table (Markdown), from the declarations."""
    lines = [
        "| vendor | dataset | method and path | paging | partitions | options | columns |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in endpoints(vendor):
        partition = "`snapshot_date=`" if e.partition == "snapshot" else f"`interval_start=` ({e.partition})"
        columns = ", ".join(f"`{c}`" for c in e.column_names) + (" (GUESS)" if e.guess else "")
        options = ", ".join(f"`{o}`" for o in e.options) or "-"
        lines.append(
            f"| {e.vendor} | `{e.dataset}` | `{e.method} {e.path}` | {e.paging} | {partition} | {options} | {columns} |"
        )
    return "\n".join(lines)


# -- schemas -------------------------------------------------------------------------------------------------

_SCHEMAS: dict[str, DatasetSchema] = {
    **{schema.name: schema for schema in (*genesys.SCHEMAS, *genesys.WORKFORCE_SCHEMAS, *cxone.SCHEMAS)},
    **{e.name: DatasetSchema(e.name, e.schema_version, e.schema) for e in REGISTRY.values() if e.schema},
}


def register_schema(name: str, version: int, columns: tuple[Column, ...]) -> DatasetSchema:
    """Declare (or replace) the schema of a dataset, e.g. a custom CXone report ``report_<id>``.

    :param name: the dataset name (``report_1234``) or ``<dataset>/<table>``.
    :param version: the schema version (raise it when adding columns).
    :param columns: the columns, built with :mod:`.records.schemas`' constructors (``string("id")``...).
    """
    declared_schema = DatasetSchema(name, version, tuple(columns))
    _SCHEMAS[name] = declared_schema
    return declared_schema


def schema_for(dataset: str, table: str = "") -> DatasetSchema:
    """The declared schema of a dataset (or of one of its flattened tables).

    A dataset without a declaration gets an empty one (version 0): every field then lands in ``_extra``.
    """
    name = f"{dataset}/{table}" if table else dataset
    return _SCHEMAS.get(name) or DatasetSchema(name, 0)


def declared(name: str) -> bool:
    """Whether ``name`` (``<dataset>`` or ``<dataset>/<table>``) has a declared schema."""
    return name in _SCHEMAS


# -- tables layouts ------------------------------------------------------------------------------------------

_FLATTENERS: dict[str, Flattener] = {**genesys.FLATTENERS, **genesys.WORKFORCE_FLATTENERS}


def flattener_for(dataset: str) -> Flattener:
    """The flattener of ``dataset``: declared, or one table named ``rows`` holding the records as they are."""
    return _FLATTENERS.get(dataset) or AS_IS


# -- job types -----------------------------------------------------------------------------------------------

JOB_TYPES: dict[str, JobType] = {job.name: job for job in (*genesys.JOB_TYPES, *cxone.JOB_TYPES)}


def job_type(name: str | JobType) -> JobType:
    """The registered job type of ``name`` (a job type is returned as it is).

    :param name: a registry name (``genesys.conversation_details``) or a job type.
    """
    if isinstance(name, JobType):
        return name
    found = JOB_TYPES.get(name)
    if found is None:
        raise ConfigurationError("job_type", f"no job type {name!r}; use one of {sorted(JOB_TYPES)}")
    return found
