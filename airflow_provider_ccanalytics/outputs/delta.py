"""``output_format="delta"``: one Delta Lake table per dataset (delta-rs, no JVM), partitioned by the grain.

A run writes all its partitions (its own and lookback ones) in ONE Delta commit that replaces exactly those
partitions (``mode="overwrite"`` with a ``predicate`` on the org and ``interval_start``), so a reader of the
table (DuckDB, Spark, Trino, Databricks) sees the old partitions or the new ones, never a mix, and runs for
other orgs keep theirs. Columns: the dataset's declared schema (as typed Parquet, with ``_extra``) and the
partition columns of :func:`~airflow_provider_ccanalytics.outputs.partition_keys` (``org`` or ``tenant``, then
``interval_start``), so the table's folders are the same ``org=<id>/interval_start=<start>`` as the other formats'.
On S3, delta-rs commits with conditional puts (safe concurrent writers, no locking table); we never set
``AWS_S3_ALLOW_UNSAFE_RENAME``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.outputs import partition_keys
from airflow_provider_ccanalytics.outputs.tables import RECORDS, table_schema, typed_batches
from airflow_provider_ccanalytics.outputs.typed import ExtraCounts, arrow_schema, pyarrow

log = logging.getLogger("airflow_provider_ccanalytics")

RecordSource = Callable[[], Iterator[dict[str, Any]]]


def deltalake() -> Any:
    """The deltalake module, or a ConfigurationError naming the extra to install."""
    try:
        import deltalake as module
    except ImportError:
        raise ConfigurationError(
            "output_format", "delta needs deltalake: pip install 'airflow-provider-ccanalytics[delta]'"
        ) from None
    return module


def table_uri(output: Any, vendor: str, dataset: str) -> str:
    """The Delta table's URI: ``{output}/{vendor}/{dataset}`` (``file://`` becomes a plain local path)."""
    base = str(output).rstrip("/")
    uri = f"{base}/{vendor}/{dataset}"
    return uri[len("file://") :] if uri.startswith("file://") else uri


def write_delta(
    uri: str,
    *,
    dataset: str,
    units: Sequence[Window],
    sources: Callable[[Window], Sequence[RecordSource]],
    storage_options: dict[str, str] | None = None,
    scope: str | None = None,
) -> dict[str, Any]:
    """Replace the partitions of ``units`` in the Delta table at ``uri`` in one commit; returns a summary.

    :param uri: the table (a local path, or ``s3://bucket/prefix/vendor/dataset``).
    :param dataset: names the declared schema.
    :param units: the partitions this run writes (their ``interval_start`` labels are replaced, even when empty).
    :param sources: the record sources of one partition.
    :param storage_options: delta-rs object store options (e.g. ``AWS_ENDPOINT_URL``, ``AWS_REGION``).
    :param scope: the org or tenant of these partitions (``org=<id>``): a partition column, and part of the
        predicate, so other orgs' partitions stay.
    """
    pa, delta = pyarrow(), deltalake()
    counts = ExtraCounts()
    arrow = arrow_schema(table_schema(dataset, RECORDS))
    if not units:
        raise ValueError("write_delta needs at least one partition")
    keys = {unit: partition_keys(unit, scope) for unit in units}
    columns = [name for name, _value in keys[units[0]]]
    schema = pa.schema([*arrow, *(pa.field(name, pa.string()) for name in columns)])
    written: dict[str, int] = {}

    def stream() -> Iterator[Any]:
        for unit in units:
            label = unit.label()
            written[label] = 0
            for source in sources(unit):
                for batch in typed_batches(dataset, source(), counts):
                    written[label] += batch.num_rows
                    values = [pa.array([value] * batch.num_rows, pa.string()) for _name, value in keys[unit]]
                    yield pa.RecordBatch.from_arrays([*batch.columns, *values], schema=schema)

    delta.write_deltalake(
        uri,
        pa.RecordBatchReader.from_batches(schema, stream()),
        mode="overwrite",
        predicate=replaced_partitions(keys.values()),
        partition_by=columns,
        storage_options=storage_options,
    )
    version = delta.DeltaTable(uri, storage_options=storage_options).version()
    total = sum(written.values())
    log.info("Delta table %s version %d: replaced %d partition(s), %d records", uri, version, len(units), total)
    return {
        "uri": uri,
        "version": version,
        "record_count": sum(written.values()),
        "partitions": written,
        "extra_fields": counts.fields(),
    }


def replaced_partitions(keys: Iterable[list[tuple[str, str]]]) -> str:
    """The Delta predicate matching exactly these partitions: ``org = 'X' AND interval_start IN ('A', 'B')``.

    :param keys: each partition's :func:`~airflow_provider_ccanalytics.outputs.partition_keys` (one org).
    """
    every = list(keys)
    outer = every[0][:-1]
    if any(unit[:-1] != outer for unit in every):
        raise ValueError("one Delta commit replaces the partitions of one org")
    last = every[0][-1][0]
    values = ", ".join(f"'{unit[-1][1]}'" for unit in every)
    return " AND ".join([*(f"{name} = '{value}'" for name, value in outer), f"{last} IN ({values})"])
