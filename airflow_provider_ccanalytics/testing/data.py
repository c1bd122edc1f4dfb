"""Deterministic contact-centre data for the sandbox, with the ground truth tests compare to.

Everything follows from (seed, size, time range): the same arguments give the same
conversation ids, contacts and metrics in every process. ``iso``, ``parse_ts`` and
``CONVERSATION_MAX_SECONDS`` live in :mod:`.common` (shared with :mod:`.activity`) and are still importable here.

Sources: the records have the vendors' shapes: Genesys conversation details and aggregates as the official
Genesys SDK models them (``AnalyticsConversationQueryResponse``: conversations with participants, sessions,
segments, metrics, and evaluations, surveys, resolutions (:mod:`.quality`);
``ConversationAggregateQueryResponse``: ``results[].data[].metrics[].stats``); CXone
completed contacts with the field names of NICE's v34 API (older ``contactStart``/``mediaTypeName``, or the
published spec's ``contactStartDate``/``mediaTypeId``: :meth:`Dataset.contact_as`). Values are sandbox values.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from airflow_provider_ccanalytics.testing import dimensions, late
from airflow_provider_ccanalytics.testing.activity import UserActivity, cxone_agent_states, cxone_summary
from airflow_provider_ccanalytics.testing.common import CONVERSATION_MAX_SECONDS, iso, parse_ts
from airflow_provider_ccanalytics.testing.quality import conversation_quality, search_item

QUEUES = dimensions.QUEUE_IDS
USERS = dimensions.USER_IDS
WRAPUP_IDS = [code_id for code_id, _name in dimensions.WRAPUP_CODES]
SKILL_IDS = [skill_id for skill_id, _name in dimensions.SKILLS]
LANGUAGE_IDS = [language_id for language_id, _name in dimensions.LANGUAGES]
MEDIA = ["voice", "voice", "voice", "chat", "email", "message", "callback"]
COUNT_METRICS = ("nOffered", "nConnected")
TIME_METRICS = ("tAnswered", "tTalk", "tAcw", "tHandle", "tAbandon")
CXONE_MEDIA = ["Call", "Call", "Chat", "Email", "SMS"]
#: media type ids of the sandbox's CXone contacts (sandbox values)
CXONE_MEDIA_TYPE_IDS = {"Email": 1, "Chat": 3, "Call": 4, "SMS": 7}
LATE_ACW_SECONDS = 120.0  # after-call work a changing contact gains
CONTACT_FIELDS = (
    "contactId",
    "masterContactId",
    "contactStart",
    "contactEnd",
    "agentId",
    "skillId",
    "campaignId",
    "mediaTypeName",
    "totalDurationSeconds",
    "abandoned",
    "lastUpdateTime",
)


def random_uuid(rng: random.Random) -> str:
    """A version-4 UUID string drawn from ``rng`` (deterministic)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ms(ts: float) -> float:
    return math.floor(ts * 1000) / 1000


_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def parse_duration(value: str) -> float:
    """ISO-8601 duration (``PT30M``, ``P1D``, ``PT1H``) in seconds; ValueError when unreadable."""
    match = _DURATION.match(value or "")
    if not match or not any(match.groups()):
        raise ValueError(f"not an ISO-8601 duration: {value!r}")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return float(((days * 24 + hours) * 60 + minutes) * 60 + seconds)


@dataclass(frozen=True)
class DataSpec:
    """What to generate.

    :param seed: the random seed.
    :param conversations: Genesys conversations in the range.
    :param contacts: CXone completed contacts in the range.
    :param start: ISO start of the range.
    :param end: ISO end of the range.
    :param contact_max_seconds: the longest CXone contact.
    :param late_fraction: the share of conversations and contacts that change after they end.
    :param late_max_seconds: Genesys: a changing conversation is final up to this long after it ends
        (0, the default: every conversation is final at once and visible whatever the clock).
    :param contact_settle_seconds: CXone: (min, max) seconds after its end until each contact is visible
        (None: the sandbox's ``settle_seconds`` for all).
    :param contact_change_max_seconds: CXone: a changing contact changes once more up to this long after
        it became visible (0: never).
    :param reprocess_fraction: Genesys: the share of conversations its nightly pipeline changes once more,
        48 to 78 hours after they end (0, the default: none; see ``late.py``).
    """

    seed: int = 7
    conversations: int = 1000
    contacts: int = 1000
    start: str = "2026-01-01T00:00:00Z"
    end: str = "2026-01-02T00:00:00Z"
    contact_max_seconds: float = 1800.0
    late_fraction: float = 0.3
    late_max_seconds: float = 0.0
    contact_settle_seconds: tuple[float, float] | None = None
    contact_change_max_seconds: float = 0.0
    reprocess_fraction: float = 0.0


class Dataset:
    """Conversations and contacts, generated lazily per record from the spec."""

    def __init__(self, spec: DataSpec) -> None:
        self.spec = spec
        self.start, self.end = parse_ts(spec.start), parse_ts(spec.end)
        if self.end <= self.start:
            raise ValueError("the data range must end after it starts")
        span = self.end - self.start
        rng = random.Random(spec.seed)
        # starts are whole milliseconds, as the APIs show them, so ground truth and API agree at edges
        self.conv_starts = sorted(_ms(self.start + rng.random() * span) for _ in range(spec.conversations))
        self.conv_seconds = [min(30 + rng.expovariate(1 / 360), CONVERSATION_MAX_SECONDS) for _ in self.conv_starts]
        self.contact_starts = sorted(_ms(self.start + rng.random() * span) for _ in range(spec.contacts))
        shortest = min(5.0, spec.contact_max_seconds / 2)
        self.contact_seconds = [
            shortest + rng.random() * (spec.contact_max_seconds - shortest) for _ in self.contact_starts
        ]
        self._conversation = lru_cache(maxsize=50_000)(self._make_conversation)
        self._conversation_json = lru_cache(maxsize=300_000)(self._make_conversation_json)

    # -- Genesys ---------------------------------------------------------------------------------

    @property
    def changes_late(self) -> bool:
        """Whether records change after the fact (then what the API shows depends on the clock)."""
        return self.spec.late_max_seconds > 0 or self.spec.reprocess_fraction > 0

    def reprocessed_at(self, index: int) -> float | None:
        """When the nightly pipeline changes conversation ``index`` (None: never)."""
        end = self.conv_starts[index] + self.conv_seconds[index]
        return late.reprocessed_at(self.spec.seed, index, end, self.spec.reprocess_fraction)

    def conversation(self, index: int, as_of: float | None = None) -> dict[str, Any]:
        """The conversation at ``index`` (start order), as the details API shows it at ``as_of`` (None: final)."""
        stage = self.conversation_stage(index, as_of) or late.ACTIVE
        return late.conversation_at_stage(self._conversation(index), stage)

    def conversation_json(self, index: int, as_of: float | None = None) -> bytes:
        """The conversation at ``index`` serialized once per stage (the sandbox serves pages from these)."""
        return self._conversation_json(index, self.conversation_stage(index, as_of) or late.ACTIVE)

    def _make_conversation_json(self, index: int, stage: str = late.FINAL) -> bytes:
        record = late.conversation_at_stage(self._conversation(index), stage)
        return json.dumps(record, separators=(",", ":")).encode()

    def conversation_stage(self, index: int, as_of: float | None) -> str | None:
        """``active``, ``ended`` or ``final`` at ``as_of``; None before it started. Always final unless
        the spec makes data change late."""
        if not self.changes_late:
            return late.FINAL
        start = self.conv_starts[index]
        delay = late.late_delay(
            self.spec.seed, "conversation", index, self.spec.late_fraction, self.spec.late_max_seconds
        )
        stage = late.conversation_stage(start, start + self.conv_seconds[index], delay, as_of)
        pipeline = self.reprocessed_at(index)
        if stage == late.FINAL and pipeline is not None and as_of is not None and as_of < pipeline:
            return late.UNPROCESSED
        return stage

    def conversations_started(self, start: float, end: float, as_of: float | None = None) -> list[dict[str, Any]]:
        """Ground truth: the conversations that started in [start, end) as the API showed them at ``as_of``
        (None: the final truth)."""
        low, high = bisect.bisect_left(self.conv_starts, start), bisect.bisect_left(self.conv_starts, end)
        return [self.conversation(i, as_of) for i in range(low, high) if self.conversation_stage(i, as_of) is not None]

    def conversations_overlapping(self, start: float, end: float) -> list[int]:
        """Indexes of conversations active at any time in [start, end), in start order (the API's rule)."""
        low = bisect.bisect_left(self.conv_starts, start - CONVERSATION_MAX_SECONDS)
        high = bisect.bisect_left(self.conv_starts, end)
        return [i for i in range(low, high) if self.conv_starts[i] + self.conv_seconds[i] > start]

    def conversation_ids_started(self, start: float, end: float) -> list[str]:
        """Ground truth: ids of conversations that started in [start, end)."""
        low, high = bisect.bisect_left(self.conv_starts, start), bisect.bisect_left(self.conv_starts, end)
        return [self.conversation(i)["conversationId"] for i in range(low, high)]

    def _facts(self, index: int) -> dict[str, Any]:
        rng = random.Random(f"{self.spec.seed}:conversation:{index}")
        seconds = self.conv_seconds[index]
        abandoned = rng.random() < 0.08
        answered_ms = int(rng.uniform(2, 120) * 1000)
        talk_ms = 0 if abandoned else int(max(1.0, seconds * 0.7) * 1000)
        acw_ms = 0 if abandoned else int(rng.uniform(5, 180) * 1000)
        facts: dict[str, Any] = {
            "id": random_uuid(rng),
            "queueId": rng.choice(QUEUES),
            "mediaType": rng.choice(MEDIA),
            "userId": rng.choice(USERS),
            "direction": "inbound" if rng.random() < 0.85 else "outbound",
            "mos": round(rng.uniform(3.2, 4.9), 2),
            "abandoned": abandoned,
            "metrics": {
                "nOffered": 1,
                "nConnected": 0 if abandoned else 1,
                "tAnswered": None if abandoned else answered_ms,
                "tTalk": None if abandoned else talk_ms,
                "tAcw": None if abandoned else acw_ms,
                "tHandle": None if abandoned else talk_ms + acw_ms,
                "tAbandon": answered_ms if abandoned else None,
            },
        }
        # drawn after the facts above, so those stay what they were before dimensions existed
        facts["wrapUpCode"] = rng.choice(WRAPUP_IDS)
        facts["skillIds"] = sorted(rng.sample(SKILL_IDS, rng.randint(1, 2)))
        facts["languageId"] = rng.choice(LANGUAGE_IDS) if rng.random() < 0.4 else None
        return facts

    def _make_conversation(self, index: int) -> dict[str, Any]:
        facts = self._facts(index)
        start = self.conv_starts[index]
        end = start + self.conv_seconds[index]
        emit = iso(start)
        rng = random.Random(f"{self.spec.seed}:ids:{index}")

        def new_id() -> str:
            return random_uuid(rng)

        metrics = [
            {"name": name, "value": value, "emitDate": emit}
            for name, value in facts["metrics"].items()
            if value is not None
        ]
        if self.reprocessed_at(index) is not None:  # the nightly pipeline adds a metric (see late.py)
            metrics.append({"name": late.PIPELINE_METRIC, "value": 1, "emitDate": emit})
        customer = {
            "participantId": new_id(),
            "purpose": "customer",
            "participantName": "Customer",
            "sessions": [
                {
                    "sessionId": new_id(),
                    "mediaType": facts["mediaType"],
                    "direction": facts["direction"],
                    "ani": f"tel:+1555{index % 10_000_000:07d}",
                    "segments": [
                        {
                            "segmentStart": iso(start),
                            "segmentEnd": iso(end),
                            "segmentType": "interact",
                            "disconnectType": "client",
                        }
                    ],
                }
            ],
        }
        acd = {
            "participantId": new_id(),
            "purpose": "acd",
            "participantName": "Queue",
            "sessions": [
                {
                    "sessionId": new_id(),
                    "mediaType": facts["mediaType"],
                    "segments": [
                        {
                            "segmentStart": iso(start),
                            "segmentEnd": iso(start + 5),
                            "segmentType": "interact",
                            "queueId": facts["queueId"],
                            "requestedRoutingSkillIds": facts["skillIds"],
                            **({"requestedLanguageId": facts["languageId"]} if facts["languageId"] else {}),
                        }
                    ],
                    "metrics": [m for m in metrics if m["name"] in ("nOffered", "tAbandon")],
                }
            ],
        }
        participants = [customer, acd]
        if not facts["abandoned"]:
            participants.append(
                {
                    "participantId": new_id(),
                    "purpose": "agent",
                    "userId": facts["userId"],
                    "sessions": [
                        {
                            "sessionId": new_id(),
                            "mediaType": facts["mediaType"],
                            "segments": [
                                {
                                    "segmentStart": iso(start + 5),
                                    "segmentEnd": iso(end),
                                    "segmentType": "interact",
                                    "queueId": facts["queueId"],
                                },
                                {
                                    "segmentStart": iso(end),
                                    "segmentEnd": iso(end + 30),
                                    "segmentType": "wrapup",
                                    "wrapUpCode": facts["wrapUpCode"],
                                },
                            ],
                            "metrics": [m for m in metrics if m["name"] not in ("nOffered", "tAbandon")],
                        }
                    ],
                }
            )
        return {
            "conversationId": facts["id"],
            "conversationStart": iso(start),
            "conversationEnd": iso(end),
            "originatingDirection": facts["direction"],
            "mediaStatsMinConversationMos": facts["mos"],
            "divisionIds": [dimensions.queue_division(facts["queueId"])],
            "participants": participants,
            **conversation_quality(self.spec.seed, index, facts, end),
        }

    def aggregates(
        self, start: float, end: float, granularity: str | None, group_by: list[str], metrics: list[str]
    ) -> list[dict[str, Any]]:
        """Ground truth of the aggregates query: stats per group and granularity bucket.

        Conversations count in the bucket holding their start (their metrics' emitDate).
        """
        step = parse_duration(granularity) if granularity else end - start
        buckets: dict[tuple[Any, ...], dict[int, dict[str, list[int]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(list))
        )
        low, high = bisect.bisect_left(self.conv_starts, start), bisect.bisect_left(self.conv_starts, end)
        for index in range(low, high):
            facts = self._facts(index)
            group = tuple(facts[key] for key in group_by)
            bucket = int((self.conv_starts[index] - start) // step)
            for name in metrics:
                value = facts["metrics"].get(name)
                if value is not None:
                    buckets[group][bucket][name].append(value)
        results = []
        for group in sorted(buckets):
            data = []
            for bucket in sorted(buckets[group]):
                b_start = start + bucket * step
                stats = []
                for name in metrics:
                    values = buckets[group][bucket].get(name)
                    if not values:
                        continue
                    if name.startswith("n"):
                        stats.append({"metric": name, "stats": {"count": sum(values)}})
                    else:
                        stats.append(
                            {
                                "metric": name,
                                "stats": {
                                    "max": max(values),
                                    "min": min(values),
                                    "count": len(values),
                                    "sum": sum(values),
                                },
                            }
                        )
                if stats:
                    data.append({"interval": f"{iso(b_start)}/{iso(min(b_start + step, end))}", "metrics": stats})
            results.append({"group": dict(zip(group_by, group, strict=True)), "data": data})
        return results

    # -- CXone -----------------------------------------------------------------------------------

    def contact(self, index: int, as_of: float | None = None) -> dict[str, Any]:
        """The completed contact at ``index`` (start order), as reporting shows it at ``as_of`` (None: final)."""
        final = self._final_contact(index)
        if self.spec.contact_settle_seconds is None and not self.spec.contact_change_max_seconds:
            return final
        # reporting writes the record when the contact settles: its lastUpdateTime is then at the earliest
        visible = self.contact_settles_at(index, 0.0)
        first = {**final, "lastUpdateTime": iso(max(visible, parse_ts(final["lastUpdateTime"])))}
        delay = late.late_delay(
            self.spec.seed, "contact", index, self.spec.late_fraction, self.spec.contact_change_max_seconds
        )
        if not delay:
            return first
        changed = {
            **first,
            "totalDurationSeconds": round(final["totalDurationSeconds"] + LATE_ACW_SECONDS, 3),
            "lastUpdateTime": iso(visible + delay),
        }
        return late.contact_as_of(changed, first["lastUpdateTime"], LATE_ACW_SECONDS, visible + delay, as_of)

    def _final_contact(self, index: int) -> dict[str, Any]:
        rng = random.Random(f"{self.spec.seed}:contact:{index}")
        start = self.contact_starts[index]
        seconds = self.contact_seconds[index]
        contact_id = 600_000_000 + index * 7 + self.spec.seed % 7
        return {
            "contactId": contact_id,
            "masterContactId": contact_id,
            "contactStart": iso(start),
            "contactEnd": iso(start + seconds),
            "agentId": 1000 + rng.randrange(200),
            "skillId": 4000 + rng.randrange(12),
            "campaignId": 50 + rng.randrange(4),
            "mediaTypeName": rng.choice(CXONE_MEDIA),
            "totalDurationSeconds": round(seconds, 3),
            "abandoned": rng.random() < 0.07,
            "lastUpdateTime": iso(start + seconds + 60),
        }

    def contact_as(self, index: int, variant: str = "current", as_of: float | None = None) -> dict[str, Any]:
        """The completed contact at ``index`` with the field names of ``variant``.

        ``legacy``: older API versions (``contactStart``, ``contactEnd``, ``mediaTypeName``), as :meth:`contact`.
        ``current``: NICE's current reporting spec as public generated clients name it (``contactStartDate``,
        ``fromAddress``, ``toAddress``, ``mediaTypeId``, ``businessUnitId``; no ``contactEnd``). The addresses,
        media type ids and business unit are sandbox values. ``as_of``: as reporting shows it then (None: final).
        """
        record = self.contact(index, as_of)
        if variant == "legacy":
            return record
        if variant != "current":
            raise ValueError(f"unknown contact field variant {variant!r}: use 'current' or 'legacy'")
        contact_id = record["contactId"]
        return {
            "contactId": contact_id,
            "masterContactId": record["masterContactId"],
            "contactStartDate": record["contactStart"],
            "fromAddress": f"+1555{contact_id % 10_000_000:07d}",
            "toAddress": f"+1800555{record['skillId'] % 10_000:04d}",
            "agentId": record["agentId"],
            "skillId": record["skillId"],
            "campaignId": record["campaignId"],
            "mediaTypeId": CXONE_MEDIA_TYPE_IDS[record["mediaTypeName"]],
            "mediaTypeName": record["mediaTypeName"],
            "totalDurationSeconds": record["totalDurationSeconds"],
            "abandoned": record["abandoned"],
            "lastUpdateTime": record["lastUpdateTime"],
            "businessUnitId": 4_600_000 + self.spec.seed,
        }

    def contact_settles_at(self, index: int, settle_seconds: float) -> float:
        """When the contact becomes visible in reporting (it ended, then settled).

        :param settle_seconds: the sandbox's settle time, unless the spec gives each contact its own.
        """
        settle = late.contact_settle(self.spec.seed, index, self.spec.contact_settle_seconds, settle_seconds)
        return self.contact_starts[index] + self.contact_seconds[index] + settle

    def contacts_started_records(self, start: float, end: float, as_of: float | None = None) -> list[dict[str, Any]]:
        """Ground truth: the contacts that started in [start, end) as of ``as_of`` (None: final; visibility
        is the server's business: it also depends on its settle time)."""
        return [self.contact(i, as_of) for i in self.contacts_started(start, end)]

    def contacts_started(self, start: float, end: float) -> range:
        """Indexes of contacts that started in [start, end)."""
        return range(bisect.bisect_left(self.contact_starts, start), bisect.bisect_left(self.contact_starts, end))

    def contact_ids_started(self, start: float, end: float) -> list[int]:
        """Ground truth: ids of contacts that started in [start, end)."""
        return [self.contact(i)["contactId"] for i in self.contacts_started(start, end)]

    @cached_property
    def evaluation_items(self) -> list[dict[str, Any]]:
        """Every evaluation of the conversations as the quality search answers it (their final state), by id."""
        items = [
            search_item(record, evaluation)
            for record in (self.conversation(index) for index in range(len(self.conv_starts)))
            for evaluation in record.get("evaluations", [])
        ]
        return sorted(items, key=lambda item: item["id"])

    def evaluations_changed(self, start: float, end: float) -> list[dict[str, Any]]:
        """Ground truth of the evaluations dataset: the evaluations whose last event (created, submitted,
        released: the latest of ``createdDate``, ``submittedDate``, ``releaseDate``) is in [start, end), by id."""
        return [item for item in self.evaluation_items if start <= parse_ts(item["changedDate"]) < end]

    # -- dimensions, agent activity, summaries (ground truth of the declared endpoints) --------------

    @cached_property
    def activity(self) -> UserActivity:
        """Every user's presence and routing-status intervals (built on first use)."""
        return UserActivity(self)

    def entities(self, vendor: str, dataset: str, expand: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        """Ground truth of a dimension snapshot: every entity of the list once (Genesys users: ``state=any``)."""
        if vendor == "genesys":
            return dimensions.genesys_entities(dataset, expand, state="any")
        return dimensions.cxone_entities(dataset)

    def user_interval_rows(self, start: float, end: float) -> list[dict[str, Any]]:
        """Ground truth of agent activity: one row per presence or routing interval that started in [start, end)."""
        return self.activity.rows_started(start, end)

    def cxone_summary(self, dataset: str, start: float, end: float) -> list[dict[str, Any]]:
        """Ground truth of a CXone reporting summary of [start, end), or of agent state history
        (``agent_state_history``: the states that started then)."""
        if dataset == "agent_state_history":
            return cxone_agent_states(self, start, end)
        return cxone_summary(self, dataset, start, end)
