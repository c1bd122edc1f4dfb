"""Records to typed Arrow batches by a declared schema (and back), with the ``_extra`` overflow column.

Each declared column gets its Arrow type (:data:`ARROW_TYPES`); a field outside the schema, or a value that
does not fit its column's type, goes into ``_extra`` (a JSON object per row, null when empty) and is counted
in :class:`ExtraCounts` (the manifest's ``extra_fields``). Nothing here fails on vendor data.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.records import EXTRA, DatasetSchema

#: rows held as Python values before they become one (compact) Arrow batch: what bounds a writer's memory
#: (a flattened part has 6 tables and 4 parts are written at once: 24 buffers)
BATCH_ROWS = 1_000
#: a Parquet row group ends at this many rows or once its Arrow data reaches :data:`ROW_GROUP_BYTES`
#: (batches are gathered as Arrow data, then written as one row group): each writer holds at most one
ROW_GROUP_ROWS = 10_000
ROW_GROUP_BYTES = 1 << 20
SCHEMA_VERSION_KEY = b"ccanalytics.schema"


def pyarrow() -> Any:
    """The pyarrow module, or a ConfigurationError naming the extra to install."""
    try:
        import pyarrow as pa
    except ImportError:
        raise ConfigurationError(
            "output_format", "parquet needs pyarrow: pip install 'airflow-provider-ccanalytics[parquet]'"
        ) from None
    return pa


def arrow_type(name: str) -> Any:
    """The Arrow type of a neutral type name (:data:`~airflow_provider_ccanalytics.core.records.schemas.TYPES`)."""
    pa = pyarrow()
    return {
        "string": pa.string(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "json": pa.string(),
        "list<string>": pa.list_(pa.string()),
    }[name]


def arrow_schema(schema: DatasetSchema) -> Any:
    """The Arrow schema of a declared schema: its columns, then ``_extra`` (JSON text); name and version in the
    schema metadata."""
    pa = pyarrow()
    fields = [pa.field(column.name, arrow_type(column.type)) for column in schema.columns]
    fields.append(pa.field(EXTRA, pa.string()))
    return pa.schema(fields, metadata={SCHEMA_VERSION_KEY: f"{schema.name}@{schema.version}".encode()})


class Unfit(ValueError):
    """A value that does not fit its declared column type (it goes to ``_extra``)."""


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, dict, list)):
        raise Unfit(value)
    if isinstance(value, (int, float)):
        return str(value)
    raise Unfit(value)


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise Unfit(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise Unfit(value) from None
    raise Unfit(value)


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Unfit(value)
    try:
        return float(value)
    except ValueError:
        raise Unfit(value) from None


_TRUTH = {"true": True, "false": False, "1": True, "0": False}


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUTH:
        return _TRUTH[value.lower()]
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise Unfit(value)


def _timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise Unfit(value) from None
    else:
        raise Unfit(value)
    if moment.tzinfo is None:  # GUESS: a CSV timestamp without an offset is UTC (CXone exports UTC)
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _json(value: Any) -> str:
    return jsoncodec.dumps(value).decode()


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise Unfit(value)
    return [_string(item) for item in value]


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "string": _string,
    "int64": _int,
    "float64": _float,
    "bool": _bool,
    "timestamp": _timestamp,
    "json": _json,
    "list<string>": _strings,
}


class ExtraCounts:
    """Counts, across the parts of a partition (thread-safe), the fields that went to ``_extra``."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()

    def add(self, counts: Counter[str], prefix: str = "") -> None:
        with self.lock:
            for name, count in counts.items():
                self.counts[f"{prefix}{name}"] += count

    def fields(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))


class BatchEncoder:
    """Buffers rows of one table and turns them into Arrow record batches of the declared schema.

    :param schema: the table's declared schema.
    :param counts: where the ``_extra`` field counts go.
    :param prefix: prefixed to counted names (``segments.`` for a flattened table).
    """

    def __init__(self, schema: DatasetSchema, counts: ExtraCounts | None = None, prefix: str = "") -> None:
        self.schema, self.arrow = schema, arrow_schema(schema)
        self.converters = [(column.name, CONVERTERS[column.type]) for column in schema.columns]
        self.columns: dict[str, list[Any]] = {name: [] for name in (*schema.names, EXTRA)}
        self.declared = set(schema.names)
        self.counts, self.prefix, self.seen = counts, prefix, Counter[str]()
        self.rows = 0

    def add(self, row: dict[str, Any]) -> None:
        extra = {key: value for key, value in row.items() if key not in self.declared and value is not None}
        for name, convert in self.converters:
            value = row.get(name)
            if value is not None:
                try:
                    value = convert(value)
                except Unfit:
                    extra[name], value = row[name], None
            self.columns[name].append(value)
        if extra:
            self.seen.update(extra.keys())
        self.columns[EXTRA].append(_json(extra) if extra else None)
        self.rows += 1

    def full(self) -> bool:
        return self.rows >= BATCH_ROWS

    def flush(self) -> Any:
        """The buffered rows as one record batch (and an empty buffer); counts the ``_extra`` fields."""
        pa = pyarrow()
        batch = pa.RecordBatch.from_pydict(self.columns, schema=self.arrow)
        self.columns = {name: [] for name in self.columns}
        self.rows = 0
        if self.counts is not None and self.seen:
            self.counts.add(self.seen, self.prefix)
        self.seen = Counter()
        return batch


class RowGroupWriter:
    """Writes Arrow batches to a Parquet file in row groups of at most :data:`ROW_GROUP_ROWS` rows (about
    :data:`ROW_GROUP_BYTES` of Arrow data), holding at most one row group's batches at a time: a part's
    memory does not grow with its size (``benchmarks/memory.py``).

    :param handle: the binary handle (a staged part).
    :param schema: the Arrow schema of every batch.
    """

    def __init__(self, handle: Any, schema: Any) -> None:
        import pyarrow.parquet as pq

        self.writer = pq.ParquetWriter(handle, schema, compression="zstd")
        self.schema, self.pending, self.rows, self.bytes = schema, list[Any](), 0, 0

    def write(self, batch: Any) -> None:
        self.pending.append(batch)
        self.rows += batch.num_rows
        self.bytes += batch.nbytes
        if self.rows >= ROW_GROUP_ROWS or self.bytes >= ROW_GROUP_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            table = pyarrow().Table.from_batches(self.pending, schema=self.schema)
            self.writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
            self.pending, self.rows, self.bytes = [], 0, 0

    def close(self) -> None:
        """Write what is pending, then the file footer (an empty file when nothing was written)."""
        try:
            self.flush()
        finally:
            self.writer.close()


def batches(rows: Iterable[dict[str, Any]], encoder: BatchEncoder) -> Iterator[Any]:
    """Record batches of at most :data:`BATCH_ROWS` rows (none for no rows)."""
    for row in rows:
        encoder.add(row)
        if encoder.full():
            yield encoder.flush()
    if encoder.rows:
        yield encoder.flush()


def records_of(table: Any) -> Iterator[dict[str, Any]]:
    """Rows of a typed Arrow table back as records: non-null columns (timestamps as ISO ``...Z`` text, ``json``
    columns decoded), then the ``_extra`` fields."""
    json_columns = {
        field.name for field in table.schema if field.name != EXTRA and field.type == arrow_type("json")
    } & _json_names(table.schema)
    for row in table.to_pylist():
        extra = row.pop(EXTRA, None)
        record = {}
        for name, value in row.items():
            if value is None:
                continue
            if isinstance(value, datetime):
                value = _iso(value)
            elif name in json_columns:
                value = jsoncodec.loads(value)
            record[name] = value
        if extra:
            record.update(jsoncodec.loads(extra))
        yield record


def _json_names(arrow: Any) -> set[str]:
    """The ``json`` columns of a typed file (from its schema metadata's declared schema)."""
    from airflow_provider_ccanalytics.core.catalog import schema_for

    tag = (arrow.metadata or {}).get(SCHEMA_VERSION_KEY, b"").decode()
    name = tag.rsplit("@", 1)[0]
    dataset, _, table = name.partition("/")
    return {column.name for column in schema_for(dataset, table).columns if column.type == "json"}


def _iso(moment: datetime) -> str:
    text = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return (text[:-3] if text.endswith("000") else text) + "Z"
