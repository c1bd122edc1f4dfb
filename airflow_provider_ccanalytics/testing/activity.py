"""Agent activity and reporting summaries derived from the sandbox's conversations and contacts.

Genesys: each user's presence tiles the whole data range (plus the longest conversation) with ``ON_QUEUE``
intervals of one to four hours, so every agent who handled a conversation was on queue then; routing status
is ``INTERACTING`` while the agent handled conversations (overlapping ones merged, wrap-up included) and
``IDLE`` in between. Records are final (agent activity does not change late in the sandbox).
CXone: per-skill and per-team totals of the contacts that started in a window (field names from NICE's spec).

Sources: the official Genesys SDK models (platform-client-sdk-python ``build/docs``): ``AnalyticsUserDetail``
(``userId``, ``primaryPresence[]``, ``routingStatus[]``), ``AnalyticsUserPresenceRecord`` (``startTime``,
``endTime``, ``systemPresence``, ``organizationPresenceId``, ``durationMilliseconds``) and
``AnalyticsRoutingStatusRecord`` (``startTime``, ``endTime``, ``routingStatus``, ``durationMilliseconds``).
CXone summaries: NICE's v34 reporting spec as the client generated from it has it (calljacob/nice-cxone-api
``src/services/reporting/ReportingReportingService.ts``); the values are sandbox rules.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Protocol

from airflow_provider_ccanalytics.testing import dimensions
from airflow_provider_ccanalytics.testing.common import CONVERSATION_MAX_SECONDS, iso, parse_ts

#: the organization presence id of the sandbox's "On Queue" presence (a sandbox value)
ON_QUEUE_PRESENCE_ID = "e08eaf1b-ee47-4fa9-a231-1200e284798f"
Interval = tuple[float, float]
#: the fields of a presence or routing-status record that a flat agent-activity row carries (None when absent)
_RECORD_FIELDS = (
    "startTime",
    "endTime",
    "durationMilliseconds",
    "systemPresence",
    "organizationPresenceId",
    "routingStatus",
)


class _Seeded(Protocol):
    @property
    def seed(self) -> int: ...


class ConversationSource(Protocol):
    """What :class:`UserActivity` reads of the sandbox's data (:class:`~.data.Dataset` has it)."""

    start: float
    end: float
    conv_starts: list[float]
    conv_seconds: list[float]

    @property
    def spec(self) -> _Seeded: ...

    def _facts(self, index: int) -> dict[str, Any]: ...


class ContactSource(Protocol):
    """What :func:`cxone_summary` reads of the sandbox's data (:class:`~.data.Dataset` has it)."""

    def contact(self, index: int, as_of: float | None = None) -> dict[str, Any]: ...

    def contacts_started(self, start: float, end: float) -> Iterable[int]: ...

    def contact_settles_at(self, index: int, settle_seconds: float) -> float: ...


def interval_rows(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """One ``AnalyticsUserDetail`` as flat ground-truth rows: one per ``primaryPresence`` record
    (``recordType`` ``presence``), then one per ``routingStatus`` record (``routing``).

    :param detail: ``{"userId", "primaryPresence": [...], "routingStatus": [...]}`` (either list may be absent).
    :returns: rows with ``userId``, ``recordType`` and every field of :data:`_RECORD_FIELDS`.
    """
    user = detail.get("userId")
    rows = []
    for kind, key in (("presence", "primaryPresence"), ("routing", "routingStatus")):
        for record in detail.get(key) or []:
            rows.append({"userId": user, "recordType": kind, **{name: record.get(name) for name in _RECORD_FIELDS}})
    return rows


class UserActivity:
    """The intervals of every user, built once per dataset (lazily: only tests that ask pay for it)."""

    def __init__(self, data: ConversationSource) -> None:
        self.start, self.end = data.start, data.end + CONVERSATION_MAX_SECONDS + 60
        busy: dict[str, list[Interval]] = defaultdict(list)
        for index in range(len(data.conv_starts)):
            facts = data._facts(index)
            if facts["abandoned"]:
                continue
            begin = data.conv_starts[index]
            busy[facts["userId"]].append((begin + 5, begin + data.conv_seconds[index] + 30))
        self.presence = {user: self._tiles(user, data.spec.seed) for user in dimensions.USER_IDS}
        self.routing = {user: self._routing(sorted(busy.get(user, []))) for user in dimensions.USER_IDS}

    def _tiles(self, user: str, seed: int) -> list[Interval]:
        rng = random.Random(f"{seed}:presence:{user}")
        tiles, moment = [], self.start
        while moment < self.end:
            following = min(moment + rng.uniform(3600, 4 * 3600), self.end)
            tiles.append((moment, following))
            moment = following
        return tiles

    def _routing(self, busy: list[Interval]) -> list[tuple[float, float, str]]:
        merged: list[list[float]] = []
        for begin, finish in busy:
            if merged and begin <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], finish)
            else:
                merged.append([begin, finish])
        out, moment = [], self.start
        for begin, finish in merged:
            if begin > moment:
                out.append((moment, begin, "IDLE"))
            out.append((begin, finish, "INTERACTING"))
            moment = finish
        if moment < self.end:
            out.append((moment, self.end, "IDLE"))
        return out

    def user_detail(self, user: str, start: float, end: float) -> dict[str, Any] | None:
        """The ``AnalyticsUserDetail`` of ``user`` for a query of [start, end): its intervals overlapping it
        (whole, not clipped), or None when there are none."""
        presence = [
            {
                "startTime": iso(a),
                "endTime": iso(b),
                "systemPresence": "ON_QUEUE",
                "organizationPresenceId": ON_QUEUE_PRESENCE_ID,
                "durationMilliseconds": round((b - a) * 1000),
            }
            for a, b in self.presence[user]
            if a < end and b > start
        ]
        routing = [
            {
                "startTime": iso(a),
                "endTime": iso(b),
                "routingStatus": status,
                "durationMilliseconds": round((b - a) * 1000),
            }
            for a, b, status in self.routing[user]
            if a < end and b > start
        ]
        if not presence and not routing:
            return None
        return {"userId": user, "primaryPresence": presence, "routingStatus": routing}

    def user_details(self, start: float, end: float) -> list[dict[str, Any]]:
        """What the users details query (and job) answers for [start, end), users in id order."""
        found = (self.user_detail(user, start, end) for user in sorted(dimensions.USER_IDS))
        return [detail for detail in found if detail is not None]

    def rows_started(self, start: float, end: float) -> list[dict[str, Any]]:
        """Ground truth of agent activity: one row per interval that started in [start, end)."""
        rows = []
        for detail in self.user_details(start, end):
            rows += [row for row in interval_rows(detail) if start <= parse_ts(row["startTime"]) < end]
        return rows


def cxone_summary(data: ContactSource, dataset: str, start: float, end: float) -> list[dict[str, Any]]:
    """Ground truth of a CXone reporting summary for the contacts that started in [start, end).

    Field names are those of NICE's published spec (calljacob/nice-cxone-api,
    ``src/services/reporting/ReportingReportingService.ts``: ``getFullSkillSummaries``, ``getFullSLASummaries``,
    ``teamPerformanceSummaryTotalsAll``), a subset of each; values are canonical here (numbers, durations in
    seconds rounded to the millisecond): :mod:`.sandbox.cxone_shapes` renders them as each variant answers.

    :param dataset: ``skills_summary``, ``skills_sla_summary`` or ``teams_performance_total``.
    """
    contacts = [data.contact(i) for i in data.contacts_started(start, end)]
    by_key: dict[int, list[dict[str, Any]]] = defaultdict(list)
    team = dataset.startswith("teams")
    for contact in contacts:
        by_key[dimensions.cxone_team_of(contact["agentId"]) if team else contact["skillId"]].append(contact)
    names = {4000 + i: n for i, n in enumerate(dimensions.CXONE_SKILL_NAMES)}
    out = []
    for key in sorted(by_key):
        group = by_key[key]
        handled = [c for c in group if not c["abandoned"]]
        total = round(sum(c["totalDurationSeconds"] for c in handled), 3)
        average = round(total / len(handled), 3) if handled else 0.0
        within = sum(1 for c in handled if c["contactId"] % 5)  # a sandbox rule: no answer times are modelled
        if dataset == "skills_summary":
            out.append(
                {
                    "skillId": key,
                    "skillName": names[key],
                    "contactsOffered": len(group),
                    "contactsHandled": len(handled),
                    "abandonCount": len(group) - len(handled),
                    "contactsWithinSLA": within,
                    "contactsOutOfSLA": len(group) - within,
                    "averageHandleTime": average,
                    "totalContactTime": total,
                }
            )
        elif dataset == "skills_sla_summary":
            out.append(
                {
                    "skillId": key,
                    "skillName": names[key],
                    "contactsWithinSLA": within,
                    "contactsOutOfSLA": len(group) - within,
                    "totalContacts": len(group),
                    "serviceLevel": round(100 * within / len(group), 2),
                }
            )
        else:
            out.append(
                {
                    "teamId": key,
                    "agentOffered": len(group),
                    "inboundHandled": len(handled),
                    "outboundHandled": 0,
                    "totalHandled": len(handled),
                    "totalTalkTime": total,
                    "totalAvgHandleTime": average,
                }
            )
    return out


def cxone_agent_states(
    data: ContactSource,
    start: float,
    end: float,
    as_of: float | None = None,
    settle_seconds: float = 0.0,
    updated_since: float | None = None,
) -> list[dict[str, Any]]:
    """Ground truth of CXone agent state history: the states that started in [start, end), in start order.

    Fields as NICE's spec (calljacob/nice-cxone-api ``ReportingReportingService.ts`` ``getAgentsStateHistory``:
    ``agentStateHistory[]`` of ``stateIndex``, ``startDate``, ``agentId``, ``agentStateId``, ``agentStateName``,
    ``contactId``, ``skillId``, ``teamId``, ``duration``...). A sandbox rule: each contact's agent is in state
    ``InboundContact`` (a sandbox id, 3) for the contact's duration; ``stateIndex`` is the contact's index, so
    (agentId, startDate, stateIndex) is unique. Durations are seconds here (rendered per variant).

    :param as_of: as reporting shows it then (None: final): a state appears when its contact settles
        (``settle_seconds``) and changes when the contact does (late after-call work lengthens it).
    :param updated_since: only states whose contact changed after this instant (``updatedSince``; SANDBOX rule:
        the spec's records carry no update time, the contact's ``lastUpdateTime`` stands for it).
    """
    out = []
    for index in data.contacts_started(start, end):
        if as_of is not None and data.contact_settles_at(index, settle_seconds) > as_of:
            continue
        contact = data.contact(index, as_of)
        if updated_since is not None and parse_ts(contact["lastUpdateTime"]) <= updated_since:
            continue
        out.append(
            {
                "stateIndex": index,
                "startDate": contact["contactStart"],
                "agentId": contact["agentId"],
                "agentStateId": 3,
                "agentStateName": "InboundContact",
                "contactId": contact["contactId"],
                "skillId": contact["skillId"],
                "teamId": dimensions.cxone_team_of(contact["agentId"]),
                "duration": contact["totalDurationSeconds"],
                "isOutbound": False,
            }
        )
    return out
