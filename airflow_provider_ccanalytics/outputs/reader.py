"""Read a partition through its manifest: the one reader that is exact at every instant of a write."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any

from airflow_provider_ccanalytics.core.errors import CcAnalyticsError
from airflow_provider_ccanalytics.outputs.commit import MANIFEST, load_manifest
from airflow_provider_ccanalytics.outputs.storage import Store


class PartitionChangedError(CcAnalyticsError):
    """A file listed in the manifest is missing or differs from its checksum: the partition was replaced while
    it was read (read it again) or edited by hand (rerun the task that writes it)."""


def manifest_of(fs: Any, folder: str) -> dict[str, Any] | None:
    """The committed manifest of a partition folder, or None when none is committed.

    :param fs: an fsspec filesystem.
    :param folder: the partition folder's path on ``fs``.
    """
    return load_manifest(Store(fs, folder).read(MANIFEST))


def iter_records(fs: Any, folder: str, *, verify: bool = False, table: str | None = None) -> Iterator[dict[str, Any]]:
    """Every record of the committed partition, part by part in manifest order (none for an empty one).

    Typed Parquet rows come back as records: non-null columns (timestamps as ISO text), then ``_extra``'s fields.

    :param fs: an fsspec filesystem.
    :param folder: the partition folder's path on ``fs``.
    :param verify: check each file's SHA-256 against the manifest (each part is read whole in any case).
    :param table: with ``layout="tables"``, the table to read (default: the first, e.g. ``conversations``).
    :raises FileNotFoundError: when no manifest is committed.
    :raises PartitionChangedError: when a listed file is gone or (with ``verify``) differs.
    """
    store = Store(fs, folder)
    manifest = load_manifest(store.read(MANIFEST))
    if manifest is None:
        raise FileNotFoundError(f"{store.path(MANIFEST)}: no committed partition")
    tables = manifest.get("tables") or [""]
    wanted = tables[0] if table is None else table
    if wanted not in tables:
        raise ValueError(f"{store.folder} has no table {wanted!r}: its tables are {tables}")
    typed = "schema" in manifest
    for entry in manifest["files"]:
        if entry.get("table", "") != wanted:
            continue
        data = store.read(entry["path"])
        if data is None:
            raise PartitionChangedError(f"{store.path(entry['path'])} is listed in the manifest but gone")
        if verify and hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise PartitionChangedError(f"{store.path(entry['path'])} does not match its SHA-256 in the manifest")
        yield from _records(data, manifest.get("format", "jsonl.gz"), typed)


def _records(data: bytes, output_format: str, typed: bool) -> Iterator[dict[str, Any]]:
    if output_format == "parquet":
        from airflow_provider_ccanalytics.outputs.typed import pyarrow, records_of

        pyarrow()  # a ConfigurationError naming the extra when pyarrow is missing
        import pyarrow.parquet as pq

        if typed:
            yield from records_of(pq.read_table(io.BytesIO(data)))
            return
        for value in pq.read_table(io.BytesIO(data)).column("record").to_pylist():  # written before 0.3.0
            yield json.loads(value)
        return
    for line in gzip.decompress(data).splitlines():
        yield json.loads(line)
