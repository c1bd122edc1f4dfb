"""Route one stream of records into its partitions in one pass, through local temporary files.

A bulk job's results cover every partition of a run (lookback included) in no guaranteed order:
they are read once, each record spooled (gzip, constant memory) to its partition's file, then each
partition is written from its file.
"""

from __future__ import annotations

import gzip
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.core.windows import Window


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
        spooled = self._files[unit]

        def read() -> Iterator[dict[str, Any]]:
            spooled.seek(0)
            try:
                with gzip.GzipFile(fileobj=spooled, mode="rb") as lines:
                    for line in lines:
                        yield jsoncodec.loads(line)
            finally:
                spooled.close()

        return read
