"""What a partition's manifest says about its data: ``available`` and ``settled``.

``available`` (the vendor has indexed the window; the data may still change): Genesys, the window ends at or
before the details jobs' ``dataAvailabilityDate`` and every conversation in it has ended; CXone, the window's
end plus the settle time has passed on the vendor's clock (``lastPollTime``; the local clock when the vendor
sent no page). ``complete`` is kept one release as an alias of ``available`` (deprecated).

``settled`` (the vendor documents no further change): the window ends at least the dataset's **settle
horizon** before the vendor's clock or watermark at this extraction (Genesys ``dataAvailabilityDate``; CXone
``lastPollTime``), and the partition is available. Dimension snapshots are settled at snapshot.
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
    #: how long after the window's end the vendor documents no further change (None: never settled)
    settle_horizon: timedelta | None = None
    #: a known lower bound of the vendor's clock (CXone: the run's window end plus the settle time it waited
    #: for), used for ``settled`` when no page brought the vendor's clock
    clock_floor: datetime | None = None
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
        """Deprecated alias of :attr:`available` (kept one release)."""
        return self.available

    @property
    def vendor_reference(self) -> datetime | None:
        """The vendor's clock or watermark this extraction saw (Genesys ``dataAvailabilityDate``; CXone
        ``lastPollTime``, else the local clock at the start, bounded by ``clock_floor``)."""
        if self.settle is not None:
            if self.vendor_now is not None:
                return self.vendor_now
            return self.extracted_at if self.clock_floor is None else min(self.extracted_at, self.clock_floor)
        return self.data_available_until

    @property
    def settled(self) -> bool:
        """The window ended at least the settle horizon before the vendor's clock/watermark, and is available."""
        reference = self.vendor_reference
        if self.settle_horizon is None or reference is None:
            return False
        return self.available and self.window.end + self.settle_horizon <= reference

    @property
    def available(self) -> bool:
        """The vendor has indexed the window (its data may still change: see :attr:`settled`)."""
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
            "available": self.available,
            "settled": self.settled,
            "complete": self.available,  # deprecated alias of "available", kept one release
            "settle_horizon_seconds": None if self.settle_horizon is None else self.settle_horizon.total_seconds(),
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
