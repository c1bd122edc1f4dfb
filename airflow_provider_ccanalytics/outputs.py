"""Where records go: XCom (capped) or object storage as atomic, deterministic partitions with a manifest.

Layout: ``{output}/{vendor}/{dataset}/interval_start={start}/part-00000.jsonl.gz`` plus
``_manifest.json``. All files of a partition are written in the filesystem's transaction
(nothing is visible until all are complete); files of an earlier run that the new manifest
does not list are deleted afterwards, so a rerun replaces its partition.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.core.errors import ConfigurationError, OutputTooLargeError
from airflow_provider_ccanalytics.core.windows import Window, iso_z

log = logging.getLogger("airflow_provider_ccanalytics")

RecordSource = Callable[[], Iterator[dict[str, Any]]]
FORMATS = ("jsonl.gz", "parquet")


def storage_path(output: Any, conn_id: str | None = None) -> Any:
    """``output`` as an ObjectStoragePath (URIs such as ``file:///data``, ``s3://bucket/prefix``).

    :param conn_id: the storage connection (e.g. an ``aws`` connection for ``s3://``).
    """
    from airflow.sdk import ObjectStoragePath

    if isinstance(output, ObjectStoragePath):
        return output
    text = str(output)
    if "://" not in text:
        raise ConfigurationError("output", f"{text!r} is not a URI; use e.g. 'file:///data/cc' or 's3://bucket/cc'")
    return ObjectStoragePath(text, conn_id=conn_id) if conn_id else ObjectStoragePath(text)


class _HashingWriter(io.RawIOBase):
    def __init__(self, target: Any) -> None:
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def close(self) -> None:  # the storage handle is closed by its own context manager
        self.flush()
        super().close()

    def write(self, data: Any) -> int:
        view = bytes(data)
        self.sha256.update(view)
        self.size += len(view)
        self.target.write(view)
        return len(view)


def _write_jsonl_gz(handle: Any, records: Iterable[dict[str, Any]], progress: Callable[[int], None]) -> int:
    count = 0
    with gzip.GzipFile(fileobj=handle, mode="wb", mtime=0, filename="", compresslevel=6) as zipped:
        for record in records:
            zipped.write(jsoncodec.dumps(record) + b"\n")
            count += 1
            if count % 10_000 == 0:
                progress(10_000)
    progress(count % 10_000)
    return count


def _write_parquet(handle: Any, records: Iterable[dict[str, Any]], progress: Callable[[int], None]) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ConfigurationError(
            "output_format", "parquet needs pyarrow: pip install 'airflow-provider-ccanalytics[parquet]'"
        ) from None
    schema = pa.schema([("record", pa.string())])
    count, batch = 0, []
    with pq.ParquetWriter(handle, schema, compression="zstd") as writer:
        for record in records:
            batch.append(jsoncodec.dumps(record).decode())
            if len(batch) == 10_000:
                writer.write_table(pa.table({"record": batch}, schema=schema))
                count += len(batch)
                progress(len(batch))
                batch = []
        if batch or count == 0:
            writer.write_table(pa.table({"record": batch}, schema=schema))
            count += len(batch)
            progress(len(batch))
    return count


class _Progress:
    def __init__(self, label: str) -> None:
        self.label, self.count, self.started, self.last_log = label, 0, time.monotonic(), 0.0
        self.lock = threading.Lock()

    def __call__(self, added: int) -> None:
        with self.lock:
            self.count += added
            now = time.monotonic()
            if not added or now - self.last_log <= 10:
                return
            self.last_log = now
            rate = self.count / max(now - self.started, 1e-9)
            log.info("%s: %d records written (%.0f records/s)", self.label, self.count, rate)


def partition_path(output: Any, vendor: str, dataset: str, window: Window, conn_id: str | None = None) -> Any:
    """The partition folder of one window."""
    return storage_path(output, conn_id) / vendor / dataset / f"interval_start={window.label()}"


def write_partition(
    output: Any,
    *,
    vendor: str,
    dataset: str,
    window: Window,
    sources: Sequence[RecordSource],
    output_format: str = "jsonl.gz",
    max_workers: int = 1,
    manifest_extra: Callable[[], dict[str, Any]] | None = None,
    conn_id: str | None = None,
) -> dict[str, Any]:
    """Write one partition atomically and return its manifest.

    :param output: base URI or ObjectStoragePath.
    :param vendor: ``genesys`` or ``cxone``.
    :param dataset: e.g. ``conversation_details``.
    :param window: the extracted window (names the partition).
    :param sources: one callable per part; each returns the records of that part.
    :param output_format: ``jsonl.gz`` or ``parquet``.
    :param max_workers: parts written concurrently (each streams, in constant memory).
    :param manifest_extra: returns more manifest fields (query, retried failures), called once the parts are written.
    :param conn_id: the storage connection for a URI ``output``.
    """
    if output_format not in FORMATS:
        raise ConfigurationError("output_format", f"{output_format!r} is not one of {FORMATS}")
    folder = partition_path(output, vendor, dataset, window, conn_id)
    writer = _write_parquet if output_format == "parquet" else _write_jsonl_gz
    progress = _Progress(f"{vendor}/{dataset} {window.label()}")
    names = [f"part-{index:05d}.{output_format}" for index in range(len(sources))]
    fs = folder.fs

    def write_one(index: int) -> dict[str, Any]:
        with (folder / names[index]).open("wb") as raw:
            hashing = _HashingWriter(raw)
            # the storage handle's write() is costly per call (path bookkeeping): hand it 1 MiB at a time
            with io.BufferedWriter(hashing, buffer_size=1 << 20) as buffered:
                records = writer(buffered, sources[index](), progress)
        return {
            "path": names[index],
            "records": records,
            "bytes": hashing.size,
            "sha256": hashing.sha256.hexdigest(),
        }

    folder.mkdir(parents=True, exist_ok=True)
    with fs.transaction:
        if max_workers > 1 and len(sources) > 1:
            with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="ccanalytics-part") as pool:
                files = list(pool.map(write_one, range(len(sources))))
        else:
            files = [write_one(index) for index in range(len(sources))]
        manifest = {
            "vendor": vendor,
            "dataset": dataset,
            "window": {"start": iso_z(window.start), "end": iso_z(window.end)},
            "format": output_format,
            "record_count": sum(entry["records"] for entry in files),
            "files": files,
            **(manifest_extra() if manifest_extra else {}),
        }
        with (folder / "_manifest.json").open("wb") as handle:
            handle.write(json.dumps(manifest, indent=2, sort_keys=True, default=str).encode())
    keep = {*names, "_manifest.json"}
    for stale in folder.iterdir():
        if stale.name not in keep:
            stale.unlink()
            log.info("Removed %s left by an earlier run", stale)
    log.info("Wrote %d records in %d files to %s", manifest["record_count"], len(files), folder)
    return {**manifest, "uri": str(folder)}


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
