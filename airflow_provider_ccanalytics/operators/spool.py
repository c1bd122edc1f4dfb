"""Records spooled to local temporary files (gzip, constant memory) before a partition is written.

- A bulk job's results cover every partition of a run (lookback included) in no guaranteed order:
  they are read once, each record spooled to its partition's file, then each partition is written
  from its file (:class:`PartitionSpool`).
- An incremental run merges the records changed since a watermark into a partition written before:
  the earlier partition is read and the merge spooled *before* the new partition is written, so the
  write replaces the partition exactly as a rerun does (:func:`merged_source`).
"""

from __future__ import annotations

import gzip
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.outputs import read_partition

log = logging.getLogger("airflow_provider_ccanalytics")


class PartitionSpool:
    """Records routed to the partition that holds their time.

    :param units: the partitions' windows.
    :param moment_of: the record's time (e.g. its ``conversationStart``).
    """

    def __init__(self, units: Iterable[Window], moment_of: Callable[[dict[str, Any]], datetime]) -> None:
        self.units = list(units)
        self.moment_of = moment_of
        self._files: dict[Window, IO[bytes]] = {}
        self.counts: dict[Window, int] = {}
        self.filled = False

    def fill(self, records: Iterable[dict[str, Any]]) -> None:
        """Read the stream once; records outside every partition are dropped."""
        writers = {}
        for unit in self.units:
            self._files[unit] = tempfile.TemporaryFile(prefix="ccanalytics-spool-")  # noqa: SIM115 (read later)
            writers[unit] = gzip.GzipFile(fileobj=self._files[unit], mode="wb", mtime=0, compresslevel=1)
            self.counts[unit] = 0
        try:
            for record in records:
                moment = self.moment_of(record)
                home = next((unit for unit in self.units if unit.contains(moment)), None)
                if home is not None:
                    writers[home].write(jsoncodec.dumps(record) + b"\n")
                    self.counts[home] += 1
        finally:
            for writer in writers.values():
                writer.close()
        self.filled = True

    def source(self, unit: Window) -> Callable[[], Iterator[dict[str, Any]]]:
        """The records of one partition (readable once; the file is removed after)."""
        return _read_once(self._files[unit])


def merged_source(
    folder: Any, changed: Iterable[dict[str, Any]], key: str | tuple[str, ...]
) -> Callable[[], Iterator[dict[str, Any]]]:
    """A record source for the merged partition: earlier records minus the changed ones, then the changed.

    :param folder: the earlier partition (read through its committed manifest).
    :param changed: the records changed since its watermark (each replaces the earlier record with its key).
    :param key: the record's identity field (``contactId``), or fields (CXone agent states).
    """
    names = (key,) if isinstance(key, str) else key

    def identity(record: dict[str, Any]) -> str:
        # keys compared as text: typed Parquet holds ids as strings, the API may answer numbers
        return "\x1f".join(str(record.get(name)) for name in names)

    latest = {identity(record): record for record in changed}  # changes are few: the point of incremental runs
    spool = tempfile.TemporaryFile(prefix="ccanalytics-merge-")  # noqa: SIM115 (read later, closed by the source)
    kept = 0
    with gzip.GzipFile(fileobj=spool, mode="wb", mtime=0, compresslevel=1) as out:
        for record in read_partition(folder):
            if identity(record) not in latest:
                out.write(jsoncodec.dumps(record) + b"\n")
                kept += 1
        for record in latest.values():
            out.write(jsoncodec.dumps(record) + b"\n")
    log.info("Partition %s: %d records kept, %d changed or new merged in", folder, kept, len(latest))
    return _read_once(spool)


def _read_once(spooled: IO[bytes]) -> Callable[[], Iterator[dict[str, Any]]]:
    """A record source over a spooled gzip file, closed (and so removed) once read."""

    def read() -> Iterator[dict[str, Any]]:
        spooled.seek(0)
        try:
            with gzip.GzipFile(fileobj=spooled, mode="rb") as lines:
                for line in lines:
                    yield jsoncodec.loads(line)
        finally:
            spooled.close()

    return read
