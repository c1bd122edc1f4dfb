"""Time windows: parsing, ISO-8601 intervals, splitting; the dates of dimension snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pendulum

from airflow_provider_ccanalytics.core.errors import ConfigurationError


def parse_instant(value: Any, field: str = "start") -> datetime:
    """An aware UTC datetime from a datetime, a pendulum value or an ISO-8601 string.

    :param field: named in the error when the value cannot be read.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ConfigurationError(field, f"{value!r} has no time zone; give an aware datetime or 'Z'")
        return _plain_utc(value)
    if isinstance(value, str) and value.strip():
        try:  # fast path: the vendors' own ISO-8601 form (called once per record)
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                return moment.astimezone(timezone.utc)
        except ValueError:
            pass
        try:
            parsed = pendulum.parse(value.strip())
        except (ValueError, pendulum.parsing.exceptions.ParserError) as exc:
            raise ConfigurationError(field, f"{value!r} is not an ISO-8601 instant ({exc})") from None
        if isinstance(parsed, datetime):
            return _plain_utc(parsed)
    raise ConfigurationError(field, f"{value!r} is not an instant; give an ISO-8601 string or a datetime")


def _naive(text: str) -> bool:
    """Whether an ISO-8601 string names no zone (``2026-01-01``, ``2026-01-01T00:00:00``)."""
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).tzinfo is None
    except ValueError:
        return False


def _plain_utc(moment: datetime) -> datetime:
    """A stdlib datetime in UTC (pendulum values and other zones normalised)."""
    utc = moment.astimezone(timezone.utc)
    return datetime(
        utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, tzinfo=timezone.utc
    )


def iso_z(moment: datetime) -> str:
    """``2026-01-01T00:00:00.000Z``: the form both vendors accept."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


#: the ``strftime``/``strptime`` format of a window partition's key (UTC, with ``Z``): pass it as the
#: ``input_format`` of Airflow's temporal partition mappers (``StartOfDayMapper(input_format=PARTITION_KEY_FORMAT)``),
#: whose default ``%Y-%m-%dT%H:%M:%S`` has no ``Z`` and does not parse these keys
PARTITION_KEY_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Window:
    """A half-open time window [start, end) in UTC.

    :param start: inclusive start.
    :param end: exclusive end.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ConfigurationError(
                "end",
                f"the window must end after it starts (start={iso_z(self.start)}, end={iso_z(self.end)})",
            )

    @classmethod
    def of(cls, start: Any, end: Any) -> Window:
        """Build a window from instants in any form :func:`parse_instant` reads.

        A string without a zone is refused like a naive datetime (a window is never guessed to be UTC).
        """
        for name, value in (("start", start), ("end", end)):
            if isinstance(value, str) and _naive(value):
                raise ConfigurationError(
                    name, f"{value!r} has no time zone; add 'Z' or an offset, e.g. '2026-01-01T00:00:00Z'"
                )
        return cls(parse_instant(start, "start"), parse_instant(end, "end"))

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def interval(self) -> str:
        """The ISO-8601 interval string Genesys takes."""
        return f"{iso_z(self.start)}/{iso_z(self.end)}"

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def split(self, max_length: timedelta) -> list[Window]:
        """Consecutive windows of at most ``max_length`` covering this one."""
        if max_length <= timedelta(0):
            raise ConfigurationError("max_interval", "must be a positive duration")
        parts, cursor = [], self.start
        while cursor < self.end:
            stop = min(cursor + max_length, self.end)
            parts.append(Window(cursor, stop))
            cursor = stop
        return parts

    def halves(self) -> list[Window]:
        """Two windows splitting this one in the middle (to the millisecond)."""
        middle = self.start + timedelta(milliseconds=self.length // timedelta(milliseconds=1) // 2)
        if middle <= self.start:
            return [self]
        return [Window(self.start, middle), Window(middle, self.end)]

    def label(self) -> str:
        """A filesystem-safe name for partitions, and their asset events' partition key: ``2026-01-01T00:00:00Z``
        (:data:`PARTITION_KEY_FORMAT`)."""
        return self.start.strftime(PARTITION_KEY_FORMAT)


@dataclass(frozen=True)
class SnapshotDate:
    """The date a dimension snapshot is for: it names one ``snapshot_date=YYYY-MM-DD`` partition.

    :param day: the snapshot's date (UTC).
    """

    day: date

    @classmethod
    def of(cls, value: Any) -> SnapshotDate:
        """From ``YYYY-MM-DD``, a date, or an aware datetime / ISO instant (its UTC date)."""
        if isinstance(value, datetime):
            return cls(parse_instant(value, "snapshot_date").date())
        if isinstance(value, date):
            return cls(value)
        text = str(value or "").strip()
        try:
            return cls(date.fromisoformat(text))
        except ValueError:
            pass
        try:
            return cls(parse_instant(text, "snapshot_date").date())
        except ConfigurationError:
            raise ConfigurationError(
                "snapshot_date", f"{value!r} is not a date; give 'YYYY-MM-DD' (e.g. '{{{{ ds }}}}') or a datetime"
            ) from None

    def label(self) -> str:
        """``2026-01-01``: the partition's name."""
        return self.day.isoformat()
