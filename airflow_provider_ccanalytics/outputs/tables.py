"""What one part of a partition is made of: its tables (one for ``layout="records"``), their format and schema.

A part's source yields records; :class:`PartLayout.write` writes them to one handle per table: as they are
(``records``) or flattened (``tables``: :mod:`airflow_provider_ccanalytics.core.records.flatten`), as gzip JSON lines or
as typed Parquet (:mod:`.typed`: the declared schema, ``_extra``). Every part of every partition of a dataset
has the same Arrow schema per table.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.core.catalog import flattener_for, schema_for
from airflow_provider_ccanalytics.core.records import DatasetSchema, check_layout
from airflow_provider_ccanalytics.outputs.formats import FORMATS, write_jsonl_gz
from airflow_provider_ccanalytics.outputs.typed import (
    BatchEncoder,
    ExtraCounts,
    RowGroupWriter,
    arrow_schema,
    batches,
)

#: writes one source's records to a handle per table; returns the rows written per table
TablesWriter = Callable[[dict[str, Any], Iterable[dict[str, Any]], Callable[[int], None]], dict[str, int]]
#: records layout: the one table has no folder
RECORDS = ""
Progress = Callable[[int], None]


def table_schema(dataset: str, table: str) -> DatasetSchema:
    """The declared schema of one table of ``dataset`` (the dataset's own for records and row-shaped tables)."""
    return schema_for(dataset) if table in (RECORDS, "rows") else schema_for(dataset, table)


@dataclass
class PartLayout:
    """The tables of each part and how they are written.

    :param suffix: the part files' suffix (``jsonl.gz``, ``parquet``).
    :param tables: the tables, root first (``("",)``: one file per part, no table folder).
    :param write: the writer.
    :param counts: the ``_extra`` field counts (typed formats).
    :param schemas: the declared schema of each table (typed formats).
    """

    suffix: str
    tables: tuple[str, ...]
    write: TablesWriter
    counts: ExtraCounts | None = None
    schemas: dict[str, DatasetSchema] = field(default_factory=dict)

    @property
    def root(self) -> str:
        return self.tables[0]

    def manifest_fields(self) -> dict[str, Any]:
        """What the manifest says about the layout: tables, schema versions, ``extra_fields``."""
        fields: dict[str, Any] = {}
        if self.tables != (RECORDS,):
            fields["layout"], fields["tables"] = "tables", list(self.tables)
        if self.schemas:
            fields["schema"] = {table or "records": schema.version for table, schema in self.schemas.items()}
        if self.counts is not None:
            fields["extra_fields"] = self.counts.fields()
        return fields


def part_layout(output_format: str, layout: str, dataset: str) -> PartLayout:
    """The part layout of a dataset in a format (``jsonl.gz``/``parquet``) and layout (``records``/``tables``)."""
    from airflow_provider_ccanalytics.outputs.formats import format_writer

    format_writer(output_format)  # refuses an unknown format
    suffix = output_format if output_format in FORMATS[:2] else "parquet"
    flattener = flattener_for(dataset) if check_layout(layout) == "tables" else None
    tables = flattener.tables if flattener else (RECORDS,)
    rows = _flat(flattener.rows) if flattener else _as_records
    if suffix == "jsonl.gz":
        if flattener is None:
            return PartLayout(
                suffix,
                tables,
                lambda handles, records, progress: {RECORDS: write_jsonl_gz(handles[RECORDS], records, progress)},
            )
        return PartLayout(
            suffix,
            tables,
            lambda handles, records, progress: _write_jsonl_tables(handles, rows(records), progress, tables[0]),
        )
    counts = ExtraCounts()
    schemas = {table: table_schema(dataset, table) for table in tables}

    def write(handles: dict[str, Any], records: Iterable[dict[str, Any]], progress: Progress) -> dict[str, int]:
        return _write_parquet_tables(handles, rows(records), progress, tables[0], schemas, counts)

    return PartLayout(suffix, tables, write, counts, schemas)


def _as_records(records: Iterable[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for record in records:
        yield RECORDS, record


def _flat(flatten: Callable[[dict[str, Any]], Iterator[tuple[str, dict[str, Any]]]]) -> Any:
    def rows(records: Iterable[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
        for record in records:
            yield from flatten(record)

    return rows


def _write_jsonl_tables(
    handles: dict[str, Any], rows: Iterable[tuple[str, dict[str, Any]]], progress: Progress, root: str
) -> dict[str, int]:
    zipped = {
        table: gzip.GzipFile(fileobj=handle, mode="wb", mtime=0, filename="", compresslevel=6)
        for table, handle in handles.items()
    }
    counts = dict.fromkeys(handles, 0)
    try:
        for table, row in rows:
            zipped[table].write(jsoncodec.dumps(row) + b"\n")
            counts[table] += 1
            if table == root and counts[root] % 10_000 == 0:
                progress(10_000)
    finally:
        for handle in zipped.values():
            handle.close()
    progress(counts[root] % 10_000)
    return counts


def _write_parquet_tables(
    handles: dict[str, Any],
    rows: Iterable[tuple[str, dict[str, Any]]],
    progress: Progress,
    root: str,
    schemas: dict[str, DatasetSchema],
    counts: ExtraCounts,
) -> dict[str, int]:
    prefix = "" if list(schemas) == [RECORDS] else "{}."
    encoders = {table: BatchEncoder(schema, counts, prefix.format(table)) for table, schema in schemas.items()}
    writers = {table: RowGroupWriter(handles[table], arrow_schema(schema)) for table, schema in schemas.items()}
    written = dict.fromkeys(handles, 0)
    try:
        for table, row in rows:
            encoder = encoders[table]
            encoder.add(row)
            if table == root and (written[root] + encoder.rows) % 10_000 == 0:
                progress(10_000)
            if encoder.full():
                written[table] += encoder.rows
                writers[table].write(encoder.flush())
        for table, encoder in encoders.items():
            if encoder.rows:
                written[table] += encoder.rows
                writers[table].write(encoder.flush())
    finally:
        for writer in writers.values():
            writer.close()
    progress(written[root] % 10_000)
    return written


def typed_batches(dataset: str, records: Iterable[dict[str, Any]], counts: ExtraCounts) -> Iterator[Any]:
    """The records of ``dataset`` as typed record batches of its declared schema (records layout)."""
    return batches(records, BatchEncoder(table_schema(dataset, RECORDS), counts))
