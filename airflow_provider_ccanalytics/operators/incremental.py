"""Incremental partitions: merge the records changed since a watermark into a partition written before.

The earlier partition is read and the merge spooled to a local temporary file *before* the new
partition is written, so the write replaces the partition exactly as a rerun does (atomically,
no stale parts), and memory stays constant whatever the partition's size.
"""

from __future__ import annotations

import gzip
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.outputs import read_partition

log = logging.getLogger("airflow_provider_ccanalytics")


def merged_source(folder: Any, changed: Iterable[dict[str, Any]], key: str) -> Callable[[], Iterator[dict[str, Any]]]:
    """A record source for the merged partition: earlier records minus the changed ones, then the changed.

    :param folder: the earlier partition (read through its committed manifest).
    :param changed: the records changed since its watermark (each replaces the earlier record with its key).
    :param key: the record's identity field (``contactId``).
    """
    latest = {record[key]: record for record in changed}  # changes are few: the point of incremental runs
    spool = tempfile.TemporaryFile(prefix="ccanalytics-merge-")  # noqa: SIM115 (read later, closed by read())
    kept = 0
    with gzip.GzipFile(fileobj=spool, mode="wb", mtime=0, compresslevel=1) as out:
        for record in read_partition(folder):
            if record.get(key) not in latest:
                out.write(jsoncodec.dumps(record) + b"\n")
                kept += 1
        for record in latest.values():
            out.write(jsoncodec.dumps(record) + b"\n")
    log.info("Partition %s: %d records kept, %d changed or new merged in", folder, kept, len(latest))

    def read() -> Iterator[dict[str, Any]]:
        spool.seek(0)
        try:
            with gzip.GzipFile(fileobj=spool, mode="rb") as lines:
                for line in lines:
                    yield jsoncodec.loads(line)
        finally:
            spool.close()

    return read
