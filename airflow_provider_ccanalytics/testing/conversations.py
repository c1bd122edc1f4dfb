"""Genesys conversation details as the sandbox generates them: facts, participants, sessions, segments, metrics.

Sources: the official Genesys SDK models (platform-client-sdk-python ``build/docs``):
``AnalyticsConversationQueryResponse``: conversations with participants, sessions, segments and metrics;
evaluations, surveys and resolutions from :mod:`.quality`; how a conversation looks before it is final from
:mod:`.late`. Values are sandbox values.
"""

from __future__ import annotations

import bisect
import json
import random
import uuid
from collections.abc import Callable
from typing import Any

from airflow_provider_ccanalytics.testing import dimensions, late
from airflow_provider_ccanalytics.testing.common import CONVERSATION_MAX_SECONDS, iso
from airflow_provider_ccanalytics.testing.quality import conversation_quality
from airflow_provider_ccanalytics.testing.spec import DataSpec

QUEUES = dimensions.QUEUE_IDS
USERS = dimensions.USER_IDS
WRAPUP_IDS = [code_id for code_id, _name in dimensions.WRAPUP_CODES]
SKILL_IDS = [skill_id for skill_id, _name in dimensions.SKILLS]
LANGUAGE_IDS = [language_id for language_id, _name in dimensions.LANGUAGES]
MEDIA = ["voice", "voice", "voice", "chat", "email", "message", "callback"]
COUNT_METRICS = ("nOffered", "nConnected")
TIME_METRICS = ("tAnswered", "tTalk", "tAcw", "tHandle", "tAbandon")


def random_uuid(rng: random.Random) -> str:
    """A version-4 UUID string drawn from ``rng`` (deterministic)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class ConversationsMixin:
    """The Genesys conversations of a :class:`~.data.Dataset` (start order), generated lazily per record."""

    spec: DataSpec
    conv_starts: list[float]
    conv_seconds: list[float]
    _conversation: Callable[[int], dict[str, Any]]
    _conversation_json: Callable[[int, str], bytes]

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
