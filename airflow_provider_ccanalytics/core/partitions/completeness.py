"""Completeness of a partition: is the vendor's data for its window final? Recorded in the manifest.

Genesys: final when the window ends at or before the details jobs' ``dataAvailabilityDate`` and
every conversation in it has ended. CXone: final once the window's end plus the settle time has
passed on the vendor's clock (``lastPollTime``; the local clock when the vendor sent no page).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_ccanalytics.core.partitions.windows import Window, iso_z, parse_instant


@dataclass
class PartitionStatus:
    """What one partition's extraction learned about the finality of its data.

    :param window: the partition's window.
    :param extracted_at: when the extraction started (UTC).
    :param data_available_until: the vendor's watermark (Genesys ``dataAvailabilityDate``), if any.
    :param settle: the vendor's settle time (CXone), if any.
    :param open_key: the manifest name of the count of records that are not final yet.
    :param is_open: tells a record that is not final yet (e.g. a conversation without an end).
    """

    window: Window
    extracted_at: datetime
    data_available_until: datetime | None = None
    settle: timedelta | None = None
    open_key: str = "open_records"
    is_open: Callable[[dict[str, Any]], bool] | None = None
    vendor_now: datetime | None = None
    #: the vendor's clock at the first page: the next incremental run's ``updatedSince``
    watermark: datetime | None = None
    open_records: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def watch(self, records: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Pass records through, counting those that are not final."""
        is_open = self.is_open
        for record in records:
            if is_open is not None and is_open(record):
                with self._lock:
                    self.open_records += 1
            yield record

    def saw_vendor_time(self, value: Any) -> None:
        """Record the vendor's clock from a response (CXone ``lastPollTime``); the latest wins."""
        if not value:
            return
        moment = parse_instant(value, "lastPollTime")
        with self._lock:
            if self.vendor_now is None or moment > self.vendor_now:
                self.vendor_now = moment
            if self.first_poll:
                self.watermark, self.first_poll = moment, False

    #: whether no page has been seen yet (the first one sets the watermark)
    first_poll: bool = True

    @property
    def complete(self) -> bool:
        if self.settle is not None:
            return self.window.end + self.settle <= (self.vendor_now or self.extracted_at)
        return (
            self.data_available_until is not None
            and self.window.end <= self.data_available_until
            and self.open_records == 0
        )

    def fields(self) -> dict[str, Any]:
        """The manifest fields."""
        out: dict[str, Any] = {
            "extracted_at": iso_z(self.extracted_at),
            "complete": self.complete,
            "data_available_until": None if self.data_available_until is None else iso_z(self.data_available_until),
        }
        if self.is_open is not None:
            out[self.open_key] = self.open_records
        if self.settle is not None:
            out["settle_seconds"] = self.settle.total_seconds()
            out["vendor_time"] = None if self.vendor_now is None else iso_z(self.vendor_now)
            out["watermark"] = None if self.watermark is None else iso_z(self.watermark)
        return out


def conversation_is_open(record: dict[str, Any]) -> bool:
    """A Genesys conversation that has not ended (no ``conversationEnd``)."""
    return not record.get("conversationEnd")
