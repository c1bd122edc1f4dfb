"""Speech & text analytics ground truth: topics, which communications have transcripts, the transcript files.

Sources: the official Genesys SDK (MyPureCloud/platform-client-sdk-python ``build/docs/``): ``ListedTopic``
(``id``, ``name``, ``description``, ``published``, ``strictness``, ``matchingType``, ``programsCount``, ``tags``,
``dialect``, ``participants``, ``phrasesCount``, ``modifiedBy``, ``dateModified``, ``selfUri``), ``TranscriptUrls``
(``conversation``, ``communicationId``, ``urls[]``) and ``SegmentUrl`` (``recording``, ``url``); the transcript
file as Genesys' developer center publishes its schema ("Transcript schema": ``organizationId``,
``conversationId``, ``communicationId``, ``mediaType``, ``conversationStartTime`` and ``startTime`` in epoch ms,
``duration`` {``milliseconds``}, ``transcripts[]`` {``transcriptId``, ``language``, ``programId``, ``engineId``,
``startTime``, ``duration``, ``phrases[]`` {``text``, ``stability``, ``startTimeMs``, ``duration``,
``participantPurpose``, ``words[]``}, ``analytics`` {``sentiment[]``, ``topics[]``}}, ``participants[]``, ``uri``).

Sandbox values (no vendor says which calls are transcribed): a voice conversation answered by an agent has a
transcript on its customer's communication (the customer participant's voice ``sessionId``), usually one
recording, sometimes two; the phrases and topics are drawn from a generator of their own, so the
conversation records stay what they were. GUESS: a communication without a transcript answers 404.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from airflow_provider_ccanalytics.testing.common import iso, parse_ts

DIALECTS = ("en-US", "es-US", "en-GB")
_WORDS = [
    "thank",
    "you",
    "for",
    "calling",
    "how",
    "can",
    "I",
    "help",
    "my",
    "order",
    "has",
    "not",
    "arrived",
    "let",
    "me",
    "check",
    "that",
    "for",
    "you",
]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def topics() -> list[dict[str, Any]]:
    """Every topic (``ListedTopic``) of the sandbox org, in name order (the listing's default sort)."""
    out: list[dict[str, Any]] = []
    for index, name in enumerate(("Billing", "Cancellation", "Complaint", "Delivery", "Greeting", "Refund", "Upsell")):
        rng = random.Random(f"topic:{name}")
        topic_id = _uuid(rng)
        out.append(
            {
                "id": topic_id,
                "name": name,
                "description": f"{name} phrases",
                "published": index % 3 != 2,
                "strictness": rng.choice(["1", "55", "72", "85", "90"]),
                "matchingType": rng.choice(["Phrase", "Semantic"]),
                "programsCount": rng.randint(0, 4),
                "tags": sorted(rng.sample(["sales", "service", "risk", "quality"], 2)),
                "dialect": DIALECTS[index % len(DIALECTS)],
                "participants": rng.choice(["Internal", "External", "All"]),
                "phrasesCount": rng.randint(3, 40),
                "modifiedBy": {"id": _uuid(rng), "selfUri": "/api/v2/users/..."},
                "dateModified": iso(parse_ts("2025-11-01T00:00:00Z") + index * 86_400.0),
                "selfUri": f"/api/v2/speechandtextanalytics/topics/{topic_id}",
            }
        )
    return out


def customer_voice_session(conversation: dict[str, Any]) -> str | None:
    """The customer's voice ``sessionId`` of a conversation answered by an agent (the transcribed communication),
    or None (not voice, abandoned)."""
    purposes = {participant.get("purpose") for participant in conversation["participants"]}
    if "agent" not in purposes:
        return None
    for participant in conversation["participants"]:
        if participant.get("purpose") == "customer":
            for session in participant["sessions"]:
                if session.get("mediaType") == "voice":
                    return str(session["sessionId"])
    return None


def recordings(conversation: dict[str, Any], communication_id: str) -> list[str]:
    """The recording ids that have a transcript on ``communication_id`` ([]: none, the API answers 404)."""
    if customer_voice_session(conversation) != communication_id:
        return []
    rng = random.Random(f"recordings:{communication_id}")
    return [_uuid(rng) for _ in range(1 if rng.random() < 0.85 else 2)]


def transcript_file(
    conversation: dict[str, Any], communication_id: str, recording_id: str, organization_id: str
) -> dict[str, Any]:
    """The transcript file of one recording (the JSON its pre-signed URL serves).

    :param organization_id: the sandbox org's id (``SandboxConfig.genesys_org_id``).
    """
    rng = random.Random(f"transcript:{recording_id}")
    start_ms = round(parse_ts(conversation["conversationStart"]) * 1000)
    end_ms = round(parse_ts(conversation["conversationEnd"]) * 1000)
    begin = start_ms + rng.randint(1000, 8000)
    phrases, offset = [], 0
    for index in range(rng.randint(2, 6)):
        words = rng.sample(_WORDS, rng.randint(3, 8))
        length = 400 * len(words)
        phrases.append(
            {
                "phraseIndex": index,
                "text": " ".join(words),
                "stability": round(rng.uniform(0.6, 1.0), 2),
                "startTimeMs": begin + offset,
                "duration": {"milliseconds": length},
                "participantPurpose": "external" if index % 2 == 0 else "internal",
                "words": [
                    {
                        "word": word,
                        "confidence": round(rng.uniform(0.5, 1.0), 2),
                        "startTimeMs": begin + offset + 400 * i,
                    }
                    for i, word in enumerate(words)
                ],
            }
        )
        offset += length + rng.randint(200, 2000)
    topic = rng.choice(topics())
    return {
        "organizationId": organization_id,
        "conversationId": conversation["conversationId"],
        "communicationId": communication_id,
        "mediaType": "call",
        "conversationStartTime": start_ms,
        "startTime": begin,
        "duration": {"milliseconds": max(0, end_ms - begin)},
        "transcripts": [
            {
                "transcriptId": _uuid(rng),
                "language": "en-US",
                "programId": _uuid(rng),
                "engineId": "genesys",
                "startTime": begin,
                "duration": {"milliseconds": offset},
                "phrases": phrases,
                "analytics": {
                    "sentiment": [
                        {"participant": "external", "phraseIndex": 0, "sentiment": round(rng.uniform(-1, 1), 2)}
                    ],
                    "topics": [
                        {
                            "participant": "external",
                            "topicId": topic["id"],
                            "topicName": topic["name"],
                            "transcriptPhrase": phrases[0]["text"],
                            "confidence": round(rng.uniform(0.5, 1), 2),
                            "startTimeMs": begin,
                        }
                    ],
                },
            }
        ],
        "participants": [{"participantPurpose": "external", "startTimeMs": start_ms, "endTimeMs": end_ms}],
        "uri": f"/api/v2/conversations/{conversation['conversationId']}",
    }


def transcripts_started(conversations: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str, str]]:
    """Ground truth: (conversation, communicationId, recordingId) of every transcript of ``conversations``."""
    out: list[tuple[dict[str, Any], str, str]] = []
    for conversation in conversations:
        session = customer_voice_session(conversation)
        if session:
            out.extend((conversation, session, recording) for recording in recordings(conversation, session))
    return out
