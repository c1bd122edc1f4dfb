"""What the sandbox's data (:mod:`.data`) and agent activity (:mod:`.activity`) both need, kept apart so
neither imports the other: instants as the vendors write them, and the longest sandbox conversation.

Sources: both vendors write instants as ISO-8601 UTC strings with milliseconds
(``2026-01-01T00:00:00.000Z``: Genesys' analytics ``interval`` and record times, CXone's ``startDate``/
``endDate`` and contact times); the longest conversation is a sandbox value.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

#: the longest sandbox conversation (a sandbox value): agent activity tiles the data range plus this
CONVERSATION_MAX_SECONDS = 2 * 3600


@lru_cache(maxsize=4096)
def _iso_day(day: int) -> str:
    return datetime.fromtimestamp(day * 86400, tz=timezone.utc).strftime("%Y-%m-%dT")


def iso(ts: float) -> str:
    """Epoch seconds as ``2026-01-01T00:00:00.000Z`` (fast: the sandbox formats millions).

    :param ts: epoch seconds.
    """
    millis = round(ts * 1000)
    day, rest = divmod(millis, 86_400_000)
    seconds, ms = divmod(rest, 1000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{_iso_day(day)}{hours:02d}:{minutes:02d}:{seconds:02d}.{ms:03d}Z"


def parse_ts(value: str) -> float:
    """ISO-8601 (with Z or an offset) to epoch seconds; ValueError when unreadable.

    :param value: the instant; without an offset it is read as UTC.
    """
    text = value.strip().replace("Z", "+00:00")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
