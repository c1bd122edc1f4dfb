"""Genesys Cloud agent activity: users details (``AnalyticsUserDetail``) by partition.

A users details record is one user's ``primaryPresence[]`` and ``routingStatus[]`` intervals. We write one
record per user per partition, holding the intervals whose ``startTime`` is in the partition's window: an
interval that spans a partition boundary (an agent on queue from 23:00 to 01:00) is written once, in the
partition where it started, whole (not clipped), so summing durations per partition attributes it to the day
it began. The query and the jobs may answer an interval in every window it overlaps; keeping it only where it
started makes each interval appear once however the window is split.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_ccanalytics.core.errors import UnexpectedResponseError
from airflow_provider_ccanalytics.core.http import PageRequest
from airflow_provider_ccanalytics.core.partitions import Window, parse_instant

if TYPE_CHECKING:
    from airflow_provider_ccanalytics.core.genesys.client import GenesysClient

USERS_DETAILS_QUERY = "/api/v2/analytics/users/details/query"
#: the interval lists of an ``AnalyticsUserDetail``
INTERVAL_KEYS = ("primaryPresence", "routingStatus")


def interval_start(interval: dict[str, Any]) -> datetime:
    return parse_instant(interval["startTime"], "startTime")


def user_detail_in(record: dict[str, Any], window: Window) -> dict[str, Any] | None:
    """The user's record with only the intervals that started in ``window`` (in start order), or None if none."""
    kept = {
        key: sorted(
            (item for item in record.get(key) or [] if window.contains(interval_start(item))),
            key=lambda item: item["startTime"],
        )
        for key in INTERVAL_KEYS
    }
    if not any(kept.values()):
        return None
    return {**record, **kept}


def merge_user_details(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per ``userId`` (sorted by it), the intervals of its records merged, each interval once."""
    merged: dict[str, dict[str, Any]] = {}
    seen: dict[str, set[str]] = {}
    for record in records:
        user = str(record.get("userId"))
        target = merged.setdefault(user, {**record, **{key: [] for key in INTERVAL_KEYS}})
        for key in INTERVAL_KEYS:
            for item in record.get(key) or []:
                fingerprint = key + json.dumps(item, sort_keys=True)
                if fingerprint not in seen.setdefault(user, set()):
                    seen[user].add(fingerprint)
                    target[key].append(item)
    for record in merged.values():
        for key in INTERVAL_KEYS:
            record[key].sort(key=lambda item: item["startTime"])
    return [merged[user] for user in sorted(merged)]


def split_by_partition(records: Iterable[dict[str, Any]], units: list[Window]) -> Iterator[dict[str, Any]]:
    """Each user record as one record per partition it has intervals in (intervals outside every unit dropped)."""
    for record in records:
        for unit in units:
            part = user_detail_in(record, unit)
            if part is not None:
                yield part


def first_start(record: dict[str, Any]) -> datetime:
    """The earliest ``startTime`` of a (partition's) user record: where :class:`PartitionSpool` routes it."""
    return min(interval_start(item) for key in INTERVAL_KEYS for item in record.get(key) or [])


def user_has_open_interval(record: dict[str, Any]) -> bool:
    """A user record with an interval that has not ended (no ``endTime``): the partition is not final yet."""
    return any(not item.get("endTime") for key in INTERVAL_KEYS for item in record.get(key) or [])


def iter_user_details(
    client: GenesysClient, window: Window, query: dict[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """Every user's intervals that started in ``window``, one record per user (sorted by ``userId``).

    One query per sub-window of at most the interval cap (a partition is one), paged by ``paging`` in the
    body until ``totalHits`` users or a short page. The window's records are merged in memory (one day of one
    org's agent activity), so a user answered on several pages or sub-windows is still one record.

    :param query: extra body fields (``userFilters``, ``presenceFilters``, ``routingStatusFilters``).
    """
    from airflow_provider_ccanalytics.core.genesys.endpoints import GENESYS_USER_DETAILS

    found: list[dict[str, Any]] = []
    for part in client.details_windows(window):
        request: PageRequest = GENESYS_USER_DETAILS.request(part, body={**(query or {}), "order": "asc"})
        paginator = GENESYS_USER_DETAILS.paginator(client.settings.page_size)
        for body, records in client.pages(request, paginator, "userDetails", what=f"users details {part.label()}"):
            hits = body.get("totalHits")
            if isinstance(hits, int) and hits and not records and getattr(paginator, "seen", 1) == 0:
                raise UnexpectedResponseError(
                    200, f"totalHits is {hits} but the page has no 'userDetails'", path=USERS_DETAILS_QUERY
                )
            found += [kept for record in records if (kept := user_detail_in(record, window)) is not None]
    yield from merge_user_details(found)
