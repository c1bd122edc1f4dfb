"""Where records go: XCom (capped) or object storage as partitions committed through a manifest.

Layout: ``{output}/{vendor}/{dataset}/{scope}/interval_start={start}/part-00000.jsonl.gz`` ..., ``_manifest.json``
(``scope``: ``org=<Genesys org id>`` or ``tenant=<CXone tenant id>``, so connections to several orgs never collide;
dimension snapshots: ``{output}/{vendor}/{dataset}/{scope}/snapshot_date=YYYY-MM-DD/``, same protocol)
(the commit record: lists every part with its records, bytes and SHA-256) and ``_SUCCESS`` (present only
while the folder holds exactly one complete partition). The protocol is in :mod:`.commit`; the README's
"Output layout" says what each kind of reader sees during a write.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError, OutputTooLargeError
from airflow_provider_ccanalytics.core.partitions import SnapshotDate, Window, iso_z
from airflow_provider_ccanalytics.outputs.commit import MANIFEST, SUCCESS, commit_partition
from airflow_provider_ccanalytics.outputs.formats import FORMATS, Progress
from airflow_provider_ccanalytics.outputs.location import check_writable, filesystem_of
from airflow_provider_ccanalytics.outputs.reader import PartitionChangedError, iter_records, manifest_of
from airflow_provider_ccanalytics.outputs.storage import Store
from airflow_provider_ccanalytics.outputs.tables import part_layout

__all__ = [
    "FORMATS",
    "INTERVAL_KEY",
    "MANIFEST",
    "SNAPSHOT_KEY",
    "SUCCESS",
    "PartitionChangedError",
    "RecordSource",
    "collect_for_xcom",
    "dataset_path",
    "partition_fields",
    "partition_keys",
    "partition_path",
    "read_manifest",
    "read_partition",
    "storage_path",
    "write_partition",
]

log = logging.getLogger("airflow_provider_ccanalytics")

RecordSource = Callable[[], Iterator[dict[str, Any]]]


def storage_path(output: Any, conn_id: str | None = None) -> Any:
    """``output`` as an ObjectStoragePath (URIs such as ``file:///data``, ``s3://bucket/prefix``).

    :param conn_id: the storage connection (e.g. an ``aws`` connection for ``s3://``).
    :raises ConfigurationError: for a non-URI, or a scheme whose filesystem is not installed (names the install).
    """
    from airflow.sdk import ObjectStoragePath

    if isinstance(output, ObjectStoragePath):
        return output
    text = str(output)
    if "://" not in text:
        raise ConfigurationError("output", f"{text!r} is not a URI; use e.g. 'file:///data/cc' or 's3://bucket/cc'")
    try:
        path = ObjectStoragePath(text, conn_id=conn_id) if conn_id else ObjectStoragePath(text)
    except (ValueError, ImportError) as error:
        filesystem_of(text, error)  # raises the ConfigurationError that names what to install
        raise
    return path


#: what names a partition: a window (``interval_start=``) or a snapshot's date (``snapshot_date=``)
Unit = Window | SnapshotDate
#: the key of time-window partitions (``interval_start=<window start>``)
INTERVAL_KEY = "interval_start"
#: the key of dimension snapshots (``snapshot_date=YYYY-MM-DD``)
SNAPSHOT_KEY = "snapshot_date"
_SAFE_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")


def partition_fields(unit: Unit) -> dict[str, Any]:
    """What the manifest says about the partition's unit: ``window`` or ``snapshot_date``."""
    if isinstance(unit, SnapshotDate):
        return {SNAPSHOT_KEY: unit.label()}
    return {"window": {"start": iso_z(unit.start), "end": iso_z(unit.end)}}


def partition_keys(unit: Unit, scope: str | None = None) -> list[tuple[str, str]]:
    """The ``name=value`` folders of one partition below its dataset, outermost first.

    ``[("org", "<org id>"), ("interval_start", "2026-01-01T00:00:00Z")]``: the one place that decides the layout;
    :func:`partition_path` makes folders of it, the Delta output partition columns.

    :param unit: the partition's window (``interval_start=`` its start) or snapshot date (``snapshot_date=``).
    :param scope: ``org=<Genesys org id>`` or ``tenant=<CXone tenant id>`` (a hook's ``partition_scope()``);
        None: no org folder (only for callers outside a connection, e.g. tests of the writer).
    :raises ConfigurationError: a scope not of the form ``name=value``, or a value that is not a safe folder name.
    """
    keys: list[tuple[str, str]] = []
    if scope:
        name, _, value = scope.partition("=")
        keys.append((name, value))
    keys.append((SNAPSHOT_KEY if isinstance(unit, SnapshotDate) else INTERVAL_KEY, unit.label()))
    for name, value in keys:
        if not name.isidentifier() or not _SAFE_VALUE.fullmatch(value):
            raise ConfigurationError("output", f"{name}={value!r} cannot name a partition folder")
    return keys


def dataset_path(output: Any, vendor: str, dataset: str, conn_id: str | None = None) -> Any:
    """The folder of one dataset: ``{output}/{vendor}/{dataset}`` (holds every org's partitions)."""
    return storage_path(output, conn_id) / vendor / dataset


def partition_path(
    output: Any, vendor: str, dataset: str, unit: Unit, conn_id: str | None = None, scope: str | None = None
) -> Any:
    """The partition folder of one window: ``{output}/{vendor}/{dataset}/org=<id>/interval_start=<start>``.

    Every partition path of the provider is made here (see :func:`partition_keys` for the parameters).
    """
    folder = dataset_path(output, vendor, dataset, conn_id)
    for name, value in partition_keys(unit, scope):
        folder = folder / f"{name}={value}"
    return folder


def write_partition(
    output: Any,
    *,
    vendor: str,
    dataset: str,
    window: Unit,
    sources: Sequence[RecordSource],
    output_format: str = "jsonl.gz",
    layout: str = "records",
    max_workers: int = 1,
    manifest_extra: Callable[[], dict[str, Any]] | None = None,
    conn_id: str | None = None,
    schema_name: str | None = None,
    scope: str | None = None,
) -> dict[str, Any]:
    """Write one partition (committed through its manifest) and return a small summary for XCom.

    The summary's size does not depend on the number of parts: the manifest's fields (with ``manifest_extra``'s)
    except its lists ``files`` and ``retried_failures``, which it counts (``file_count``,
    ``retried_failure_count``), plus ``bytes``, ``uri`` and ``manifest`` (the URI of ``_manifest.json``).

    :param output: base URI or ObjectStoragePath.
    :param vendor: ``genesys`` or ``cxone``.
    :param dataset: e.g. ``conversation_details``.
    :param window: the extracted window, or the :class:`SnapshotDate` of a snapshot (names the partition).
    :param sources: one callable per part; each returns the records of that part (an empty one writes no file).
    :param output_format: ``jsonl.gz`` or ``parquet`` (typed by the dataset's declared schema).
    :param layout: ``records`` (the vendor's records) or ``tables`` (flattened: one folder per table).
    :param max_workers: parts written concurrently (each streams, in constant memory).
    :param manifest_extra: returns more manifest fields (query, retried failures), called once the parts are written.
    :param conn_id: the storage connection for a URI ``output``.
    :param schema_name: the declared schema of typed output (default: ``dataset``; declared endpoints: their name).
    :param scope: the org or tenant folder between dataset and partition (``org=<id>``).
    :raises ConfigurationError: unknown format, filesystem not installed, output path a file or not writable.
    """
    parts = part_layout(output_format, layout, schema_name or dataset)
    folder = partition_path(output, vendor, dataset, window, conn_id, scope)
    fs = filesystem_of(str(folder), None, lambda: folder.fs)
    check_writable(fs, folder.path, str(folder))

    def describe(files: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "vendor": vendor,
            "dataset": dataset,
            **partition_fields(window),
            "format": output_format,
            "record_count": sum(entry["records"] for entry in files if entry.get("table", "") == parts.root),
            "files": files,
            **parts.manifest_fields(),
            **(manifest_extra() if manifest_extra else {}),
        }

    try:
        manifest = commit_partition(
            Store(fs, folder.path),
            sources,
            layout=parts,
            describe=describe,
            progress=Progress(f"{vendor}/{dataset} {window.label()}"),
            max_workers=max_workers,
        )
    except PermissionError as error:  # e.g. S3 AccessDenied: the storage connection may not write there
        raise ConfigurationError(
            "output",
            f"{folder} is not writable with this storage connection ({error}): grant it list, read, "
            "write and delete under that prefix, or fix output / output_conn_id",
        ) from error
    log.info("Wrote %d records in %d files to %s", manifest["record_count"], len(manifest["files"]), folder)
    return summary(manifest, str(folder))


#: manifest fields that are lists growing with the partition: kept in ``_manifest.json``, counted in the summary
GROWING = {"files": "file_count", "retried_failures": "retried_failure_count"}


def summary(manifest: dict[str, Any], uri: str) -> dict[str, Any]:
    """What a task returns for a partition: the manifest without its lists (counted instead), so its size does not
    grow with the number of parts; plus ``uri``, ``manifest`` (the URI of ``_manifest.json``) and ``bytes``."""
    small = {key: value for key, value in manifest.items() if key not in GROWING}
    counts = {count: len(manifest.get(key) or []) for key, count in GROWING.items()}
    total = sum(entry["bytes"] for entry in manifest["files"])
    return {**small, **counts, "bytes": total, "uri": uri, "manifest": f"{uri}/{MANIFEST}"}


def read_manifest(path: Any, conn_id: str | None = None) -> dict[str, Any] | None:
    """The committed manifest of a partition folder (URI, ObjectStoragePath, or a task's summary), or None.

    :param conn_id: the storage connection for a URI.
    """
    folder = storage_path(path["uri"] if isinstance(path, dict) else path, conn_id)
    return manifest_of(folder.fs, folder.path)


def read_partition(
    path: Any, conn_id: str | None = None, *, verify: bool = False, table: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every record of a committed partition, read through its manifest (exact even during a rewrite).

    :param path: the partition folder: URI, ObjectStoragePath, or the summary a writing task returned.
    :param conn_id: the storage connection for a URI.
    :param verify: check each file's SHA-256 against the manifest.
    :param table: with ``layout="tables"``, the table to read (default: the first, e.g. ``conversations``).
    """
    folder = storage_path(path["uri"] if isinstance(path, dict) else path, conn_id)
    return iter_records(folder.fs, folder.path, verify=verify, table=table)


def collect_for_xcom(sources: Sequence[RecordSource], limit: int) -> list[dict[str, Any]]:
    """All records in a list for XCom, refusing more than ``limit``."""
    records: list[dict[str, Any]] = []
    for source in sources:
        for record in source():
            records.append(record)
            if len(records) > limit:
                raise OutputTooLargeError(
                    f"More than {limit} records: too many for XCom. Set output='file:///...' or 's3://...' "
                    "to write files, or raise max_xcom_records if your XCom backend can hold them"
                )
    return records
