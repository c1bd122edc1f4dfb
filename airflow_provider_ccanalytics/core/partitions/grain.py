"""Partition grain and lookback: which partitions a run writes, so no run replaces one with less data.

A dataset is partitioned by a *grain* (UTC days by default, or hours). A run's window must be
aligned to the grain and is written as one partition per grain unit it covers; a lookback
adds the earlier units that overlap ``[window.start - lookback, window.start)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.partitions.windows import Window, iso_z

GRAINS: dict[str, timedelta] = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


class WindowNotAlignedError(ConfigurationError):
    """The window does not start and end on the dataset's partition grain.

    Writing it would replace a whole partition with a narrower window's data.
    """


def grain_step(grain: str) -> timedelta:
    """The length of one grain unit.

    :param grain: ``day`` or ``hour``.
    """
    try:
        return GRAINS[grain]
    except KeyError:
        raise ConfigurationError("grain", f"{grain!r} is not one of {sorted(GRAINS)}") from None


def floor(moment: datetime, grain: str) -> datetime:
    """The start of the grain unit holding ``moment`` (UTC)."""
    step = grain_step(grain)
    return _EPOCH + ((moment - _EPOCH) // step) * step


def unit_of(moment: datetime, grain: str) -> Window:
    """The grain unit (partition window) holding ``moment``."""
    start = floor(moment, grain)
    return Window(start, start + grain_step(grain))


def require_aligned(window: Window, grain: str) -> None:
    """Refuse a window that does not start and end on grain boundaries.

    :raises WindowNotAlignedError: naming the aligned window that would contain it.
    """
    if floor(window.start, grain) == window.start and floor(window.end, grain) == window.end:
        return
    step = grain_step(grain)
    wider = Window(floor(window.start, grain), floor(window.end - timedelta(microseconds=1), grain) + step)
    raise WindowNotAlignedError(
        "start",
        f"the window {window.interval()} is not aligned to the dataset's '{grain}' grain, so it would replace "
        f"whole partitions with part of their data. Use an aligned window such as {wider.interval()}, a schedule "
        f"on {grain} boundaries, grain='hour' for sub-day runs, or output=None (XCom) for an ad-hoc slice",
    )


def units(window: Window, grain: str) -> list[Window]:
    """The grain units an aligned window covers, oldest first."""
    require_aligned(window, grain)
    return window.split(grain_step(grain))


def lookback_units(window: Window, lookback: timedelta | None, grain: str) -> list[Window]:
    """The earlier grain units that overlap ``[window.start - lookback, window.start)``, oldest first.

    :param lookback: how far back data may still change; None or zero: none.
    """
    if not lookback or lookback <= timedelta(0):
        return []
    first = floor(window.start - lookback, grain)
    return Window(first, window.start).split(grain_step(grain))


def parse_lookback(value: Any) -> timedelta | None:
    """A lookback from a timedelta, seconds, an ISO-8601 duration (``P3D``, ``PT90M``) or ``HH:MM:SS``.

    Strings come from templates; ``None``, ``""``, ``"None"`` and ``0`` turn lookback off.
    """
    if value is None or isinstance(value, timedelta):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value) or None
    text = str(value).strip()
    if text in ("", "None", "none", "0"):
        return None
    match = _DURATION.match(text)
    if match and any(match.groups()):
        days, hours, minutes = (int(part or 0) for part in match.groups()[:3])
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=float(match.group(4) or 0)) or None
    days_text, _, clock = text.rpartition(", ") if ", " in text else ("", "", text)
    day_match = re.fullmatch(r"(-?\d+) days?", days_text) if days_text else None
    clock_match = re.fullmatch(r"(\d+):(\d\d):(\d\d(?:\.\d+)?)", clock)
    if clock_match and (day_match or not days_text):  # str(timedelta): "3 days, 0:00:00" or "1:30:00"
        hours, minutes, seconds = int(clock_match[1]), int(clock_match[2]), float(clock_match[3])
        days = int(day_match[1]) if day_match else 0
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds) or None
    try:
        return timedelta(seconds=float(text)) or None
    except ValueError:
        raise ConfigurationError(
            "lookback", f"{value!r} is not a duration; give a timedelta, seconds, or ISO-8601 such as 'P3D'"
        ) from None


@dataclass(frozen=True)
class PartitionPlan:
    """The partitions one run writes.

    :param window: the run's own window.
    :param own: its grain units.
    :param lookback: the earlier units it re-extracts.
    :param settle: the units the settle pass re-extracts once (their settle horizon passed).
    """

    window: Window
    own: list[Window]
    lookback: list[Window]
    settle: list[Window] = field(default_factory=list)

    @classmethod
    def of(cls, window: Window, grain: str, lookback: timedelta | None = None) -> PartitionPlan:
        return cls(window, units(window, grain), lookback_units(window, lookback, grain))

    @property
    def all(self) -> list[Window]:
        """Every partition, oldest first (lookback, then the run's own)."""
        return [*self.settle, *self.lookback, *self.own]

    @property
    def span(self) -> Window:
        """From the oldest lookback unit to the window's end (what one bulk job must cover)."""
        return Window(self.all[0].start, self.window.end)

    def describe(self) -> str:
        text = f"{len(self.own)} partition(s) for {self.window.interval()}"
        if self.lookback:
            text += f" + {len(self.lookback)} lookback partition(s) from {iso_z(self.lookback[0].start)}"
        if self.settle:
            text += f" + {len(self.settle)} settle partition(s): {', '.join(u.label() for u in self.settle)}"
        return text

    def with_units(self, lookback: list[Window], settle: list[Window]) -> PartitionPlan:
        """The same run with other lookback and settle units (oldest first, none of the run's own)."""
        own = set(self.own)
        settle = sorted({unit for unit in settle if unit not in own and unit not in lookback}, key=lambda u: u.start)
        return PartitionPlan(self.window, self.own, lookback, settle)


def settle_units(reference: datetime, horizon: timedelta, grain: str, scan: int) -> list[Window]:
    """The grain units whose settle horizon has passed at ``reference`` most recently: the ``scan`` latest units
    ending at or before ``reference - horizon`` (a run per grain unit crosses one; a few more catch up missed runs).
    """
    step = grain_step(grain)
    last_end = floor(reference - horizon, grain)
    return [Window(last_end - step * (index + 1), last_end - step * index) for index in reversed(range(scan))]
