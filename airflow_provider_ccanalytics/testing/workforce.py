"""Workforce management in the sandbox: management units, schedules and historical adherence, derived from the
sandbox's agent activity (:mod:`.activity`).

Shapes, from the official Genesys SDK (MyPureCloud/platform-client-sdk-python ``build/docs/``): ``ManagementUnit``
(``id``, ``name``, ``businessUnit``, ``startDayOfWeek``, ``timeZone``, ``division``, ``version``, ``dateModified``,
``selfUri``); ``WfmHistoricalAdherenceBulkResult`` (``startDate``, ``endDate``, ``managementUnitId``,
``userResults[]``, ``lookupIdToSecondaryPresenceId``); ``WfmHistoricalAdherenceBulkUserResult`` (``userId``,
``adherencePercentage``, ``conformancePercentage``, ``impact``, ``exceptionInfo[]``, ``actuals[]``,
``dayMetrics[]``); ``WfmHistoricalAdherenceBulkUserDayMetrics``; ``HistoricalAdherenceExceptionInfo`` and
``HistoricalAdherenceActuals`` (offsets in seconds from the query's start; activity categories ``OnQueueWork``,
``Break``, ``Meal``, ``Meeting``, ``OffQueueWork``, ``TimeOff``, ``Training``, ``Unavailable``, ``Unscheduled``;
impacts ``Positive``, ``Negative``, ``Neutral``, ``Unknown``).

Sandbox rules (not the vendor's): three management units, user ``i`` in unit ``i % 3``; each user is scheduled
every day for eight hours of ``OnQueueWork`` from a seeded start between 07:00 and 10:00 (the query's time zone),
with a 30-minute ``Break`` after four hours; on a day the user handled a conversation (their ``INTERACTING``
routing status in the agent activity) they actually work that shape, a seeded few minutes off at each edge, else
they are ``Unavailable`` all day. Every second where schedule and actual differ is an exception (``Negative``
when on-queue work was scheduled, else ``Neutral``); adherence is the scheduled time without exceptions over the
scheduled time, conformance the on-queue time worked over the on-queue time scheduled; times are whole seconds.
"""

from __future__ import annotations

import itertools
import math
import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from airflow_provider_ccanalytics.testing import dimensions
from airflow_provider_ccanalytics.testing.common import iso

BUSINESS_UNIT_ID = str(uuid.UUID(int=random.Random("businessunit").getrandbits(128), version=4))
#: (id, name) of the sandbox's management units
MANAGEMENT_UNITS = [
    (str(uuid.UUID(int=random.Random(f"managementunit{i}").getrandbits(128), version=4)), name)
    for i, name in enumerate(["Dublin contact centre", "Manila support", "Remote agents"])
]
ON_QUEUE, BREAK, AWAY = "OnQueueWork", "Break", "Unavailable"
#: the system presence of each actual activity (``HistoricalAdherenceExceptionInfo.systemPresence`` values)
PRESENCES = {ON_QUEUE: "OnQueue", BREAK: "Break", "Unavailable": "Offline"}
#: the activity code ids of the schedule's activities (sandbox values)
ACTIVITY_CODES = {ON_QUEUE: "0", BREAK: "1"}
DAY = 86_400
Span = tuple[int, int, str]


class ActivitySource(Protocol):
    """What the adherence model reads of the agent activity (:class:`.activity.UserActivity` has it)."""

    routing: dict[str, list[tuple[float, float, str]]]


def unit_of(user: str) -> str:
    """The id of the management unit ``user`` belongs to."""
    return MANAGEMENT_UNITS[dimensions.USER_IDS.index(user) % len(MANAGEMENT_UNITS)][0]


def members(unit: str) -> list[str]:
    """The users of management unit ``unit``, in id order."""
    return sorted(user for user in dimensions.USER_IDS if unit_of(user) == unit)


def management_units() -> list[dict[str, Any]]:
    """Ground truth of ``GET /api/v2/workforcemanagement/managementunits`` (one answer, every unit)."""
    return [
        {
            "id": unit,
            "name": name,
            "businessUnit": {
                "id": BUSINESS_UNIT_ID,
                "selfUri": f"/api/v2/workforcemanagement/businessunits/{BUSINESS_UNIT_ID}",
            },
            "startDayOfWeek": "Monday",
            "timeZone": "UTC",
            "division": {"id": dimensions.HOME_DIVISION_ID, "name": "Home"},
            "version": 1,
            "dateModified": "2025-06-01T00:00:00.000Z",
            "selfUri": f"/api/v2/workforcemanagement/managementunits/{unit}",
        }
        for unit, name in MANAGEMENT_UNITS
    ]


def day_starts(start: float, end: float, time_zone: str) -> list[int]:
    """The starts (epoch seconds) of the days in ``time_zone`` that overlap [start, end)."""
    zone = ZoneInfo(time_zone)
    local = datetime.fromtimestamp(start, timezone.utc).astimezone(zone)
    day = datetime(local.year, local.month, local.day, tzinfo=zone)
    out = []
    while day.timestamp() < end:
        out.append(int(day.timestamp()))
        day = (day + timedelta(days=1, hours=2)).replace(hour=0, minute=0, second=0)  # DST-proof next midnight
    return out


class Adherence:
    """Schedules, actuals and adherence of every user (see the module's rules).

    :param activity: the sandbox's agent activity.
    :param seed: the data seed.
    """

    def __init__(self, activity: ActivitySource, seed: int) -> None:
        self.activity, self.seed = activity, seed

    def schedule(self, user: str, day: int) -> list[Span]:
        """The user's scheduled activities on the day starting at ``day``."""
        begin = day + random.Random(f"{self.seed}:shift:{user}:{day}").randrange(7 * 3600, 10 * 3600 + 1, 900)
        lunch = begin + 4 * 3600
        return [(begin, lunch, ON_QUEUE), (lunch, lunch + 1800, BREAK), (lunch + 1800, begin + 8 * 3600, ON_QUEUE)]

    def actual(self, user: str, day: int) -> list[Span]:
        """What the user actually did that day: nothing unless they handled a conversation that day (their
        ``INTERACTING`` routing status); then the schedule's shape, a seeded few minutes off at each edge (late or
        early in, a longer break, overtime or an early leave)."""
        routing = self.activity.routing[user]
        if not any(status == "INTERACTING" and day <= a < day + DAY for a, _b, status in routing):
            return []
        rng = random.Random(f"{self.seed}:actual:{user}:{day}")
        (begin, lunch, _c), (_l, back, _b), (_r, end, _q) = self.schedule(user, day)
        begin += rng.randrange(-300, 1201, 60)
        lunch += rng.randrange(0, 901, 60)
        back = lunch + 1800 + rng.randrange(0, 601, 60)
        end = min(max(end + rng.randrange(-900, 1801, 60), back + 60), day + DAY)
        return [(begin, lunch, ON_QUEUE), (lunch, back, BREAK), (back, end, ON_QUEUE)]

    def exceptions(self, user: str, day: int) -> list[dict[str, Any]]:
        """Where schedule and actual differ that day (merged runs), as absolute ``start``/``end`` seconds."""
        scheduled, actual = self.schedule(user, day), self.actual(user, day)
        cuts = sorted({day, day + DAY, *(t for a, b, _c in scheduled + actual for t in (a, b))})
        out: list[dict[str, Any]] = []
        for a, b in itertools.pairwise(cuts):
            planned = next((c for s, e, c in scheduled if s <= a < e), None)
            done = next((c for s, e, c in actual if s <= a < e), AWAY)
            if planned == done or (planned is None and done == AWAY):
                continue
            kind = {
                "scheduledActivityCategory": planned or "Unscheduled",
                "actualActivityCategory": done,
                "impact": "Negative" if planned == ON_QUEUE else "Neutral",
            }
            if out and out[-1]["end"] == a and all(out[-1][k] == v for k, v in kind.items()):
                out[-1]["end"] = b
            else:
                out.append({"start": a, "end": b, **kind, "activityCodeId": ACTIVITY_CODES.get(planned or "")})
        return out

    def day_metrics(self, user: str, day: int) -> dict[str, Any]:
        """The user's ``WfmHistoricalAdherenceBulkUserDayMetrics`` of that day (without the offset)."""
        scheduled, actual, exceptions = self.schedule(user, day), self.actual(user, day), self.exceptions(user, day)
        planned = sum(b - a for a, b, _c in scheduled)
        planned_queue = sum(b - a for a, b, c in scheduled if c == ON_QUEUE)
        worked_queue = sum(b - a for a, b, c in actual if c == ON_QUEUE)
        in_schedule = sum(e["end"] - e["start"] for e in exceptions if e["scheduledActivityCategory"] != "Unscheduled")
        negative = sum(e["end"] - e["start"] for e in exceptions if e["impact"] == "Negative")
        return {
            "adherenceScheduleSeconds": planned,
            "conformanceScheduleSeconds": planned_queue,
            "conformanceActualSeconds": worked_queue,
            "exceptionCount": len(exceptions),
            "exceptionDurationSeconds": sum(e["end"] - e["start"] for e in exceptions),
            "impactSeconds": negative,
            "scheduleLengthSeconds": planned,
            "actualLengthSeconds": sum(b - a for a, b, _c in actual),
            "adherencePercentage": round(100 * (planned - in_schedule) / planned, 2),
            "conformancePercentage": round(100 * worked_queue / planned_queue, 2),
        }

    def bulk_result(self, unit: str, start: float, end: float, time_zone: str) -> dict[str, Any]:
        """The ``WfmHistoricalAdherenceBulkResult`` of one item: ``unit`` over [start, end) in ``time_zone``."""
        query_start = math.floor(start)
        days = day_starts(start, end, time_zone)
        users = []
        for user in members(unit):
            metrics = [{"dayStartOffsetSeconds": day - query_start, **self.day_metrics(user, day)} for day in days]
            exceptions = [
                {
                    "startOffsetSeconds": e["start"] - query_start,
                    "endOffsetSeconds": e["end"] - query_start,
                    **({"scheduledActivityCodeId": e["activityCodeId"]} if e["activityCodeId"] else {}),
                    "scheduledActivityCategory": e["scheduledActivityCategory"],
                    "actualActivityCategory": e["actualActivityCategory"],
                    "systemPresence": PRESENCES[e["actualActivityCategory"]],
                    "impact": e["impact"],
                }
                for day in days
                for e in self.exceptions(user, day)
            ]
            actuals = [
                {
                    "actualActivityCategory": c,
                    "startOffsetSeconds": a - query_start,
                    "endOffsetSeconds": b - query_start,
                }
                for day in days
                for a, b, c in self.actual(user, day)
            ]
            planned = sum(m["adherenceScheduleSeconds"] for m in metrics)
            outside = sum(m["adherenceScheduleSeconds"] * (100 - m["adherencePercentage"]) / 100 for m in metrics)
            queue = sum(m["conformanceScheduleSeconds"] for m in metrics)
            users.append(
                {
                    "userId": user,
                    "adherencePercentage": round(100 * (planned - outside) / planned, 2),
                    "conformancePercentage": round(
                        100 * sum(m["conformanceActualSeconds"] for m in metrics) / queue, 2
                    ),
                    "impact": "Negative" if any(m["impactSeconds"] for m in metrics) else "Positive",
                    "exceptionInfo": exceptions,
                    "actuals": actuals,
                    "dayMetrics": metrics,
                }
            )
        return {
            "startDate": iso(start),
            "endDate": iso(end),
            "managementUnitId": unit,
            "userResults": users,
            "lookupIdToSecondaryPresenceId": {},
        }

    def user_days(self, start: float, end: float) -> list[dict[str, Any]]:
        """Ground truth of the adherence dataset's days in [start, end) (UTC): one row per user and day, with the
        day's metrics and its exceptions and actuals as ``start``/``end`` epoch seconds."""
        rows = []
        for day in day_starts(start, end, "UTC"):
            for unit, _name in MANAGEMENT_UNITS:
                for user in members(unit):
                    rows.append(
                        {
                            "managementUnitId": unit,
                            "userId": user,
                            "dayStart": day,
                            **self.day_metrics(user, day),
                            "exceptions": self.exceptions(user, day),
                            "actuals": self.actual(user, day),
                        }
                    )
        return rows
