"""Genesys Cloud speech & text analytics transcripts: which communications, their URLs, the transcript files.

Sources: the official SDK (MyPureCloud/platform-client-sdk-python ``build/docs/SpeechTextAnalyticsApi.md``,
``get_speechandtextanalytics_conversation_communication_transcripturls`` answering ``TranscriptUrls``:
``conversation``, ``communicationId``, ``urls[]`` of ``SegmentUrl`` {``recording``, ``url``: "The pre-signed S3 URL
of the transcript"}); the transcript file's top level as Genesys' developer center publishes its schema
("transcript-url#transcript-schema": ``organizationId``, ``conversationId``, ``communicationId``, ``mediaType``,
``conversationStartTime``, ``startTime``, ``duration``, ``transcripts[]``, ``participants[]``, ``uri``).

Which communications: the voice sessions (``participants[].sessions[]`` with ``mediaType`` ``voice``) of the
participants whose ``purpose`` is in ``purposes``; the session's ``sessionId`` is the communication id. GUESS:
that the transcript hangs on the customer's (``customer``/``external``) communication; a setting
(``participant_purposes``). A communication without a transcript answers 404 (GUESS): read as none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from airflow_provider_ccanalytics.core.errors import UnexpectedResponseError
from airflow_provider_ccanalytics.core.genesys.endpoints import GENESYS_TRANSCRIPT_URLS
from airflow_provider_ccanalytics.core.http import ApiClient, json_body

#: the participant purposes whose voice sessions are asked for transcripts (GUESS; a setting)
TRANSCRIPT_PURPOSES = ("customer", "external")


@dataclass(frozen=True, order=True)
class Communication:
    """One voice communication of a conversation (ordered by conversation start, then ids).

    :param conversation_start: the conversation's ``conversationStart`` (ISO; the partition key).
    :param conversation_id: the conversation.
    :param communication_id: the session's ``sessionId``.
    """

    conversation_start: str
    conversation_id: str
    communication_id: str

    @property
    def key(self) -> str:
        """``conversationId/communicationId``: where a run stopped, in logs and checkpoints."""
        return f"{self.conversation_id}/{self.communication_id}"


def voice_communications(
    conversations: Iterable[dict[str, Any]], purposes: Iterable[str] = TRANSCRIPT_PURPOSES
) -> list[Communication]:
    """The voice communications of ``conversations`` (details records), each once, in order.

    :param purposes: the participant purposes whose sessions count.
    """
    wanted = {purpose.lower() for purpose in purposes}
    found: set[Communication] = set()
    for conversation in conversations:
        for participant in conversation.get("participants") or []:
            if str(participant.get("purpose", "")).lower() not in wanted:
                continue
            for session in participant.get("sessions") or []:
                if session.get("mediaType") == "voice" and session.get("sessionId"):
                    found.add(
                        Communication(
                            str(conversation.get("conversationStart")),
                            str(conversation["conversationId"]),
                            str(session["sessionId"]),
                        )
                    )
    return sorted(found)


def transcript_urls(client: ApiClient, communication: Communication) -> list[dict[str, Any]]:
    """The ``SegmentUrl`` entries of one communication ([] when it has no transcript: a 404).

    :param client: the Genesys client (bearer token, the API host).
    """
    path = GENESYS_TRANSCRIPT_URLS.format(
        conversationId=quote(communication.conversation_id, safe=""),
        communicationId=quote(communication.communication_id, safe=""),
    )
    response = client.call("GET", path, ok=(200, 404))
    if response.status_code == 404:
        return []
    urls = json_body(response).get("urls")
    if not isinstance(urls, list):
        raise UnexpectedResponseError(200, "a TranscriptUrls answer without a urls list", method="GET", path=path)
    return [entry for entry in urls if isinstance(entry, dict) and entry.get("url")]


def download_transcript(client: ApiClient, url: str) -> dict[str, Any]:
    """One pre-signed transcript file, fetched WITHOUT the bearer token and only from a host the connection allows
    for downloads (``download_hosts``; anything else: :class:`ForeignHostError` before a byte is sent).

    :param client: the Genesys client (its transport: retries, host policy, request count).
    :param url: the ``SegmentUrl.url``.
    """
    response = client.transport.request("GET", url, paced=False, ok=(200,))
    body = json_body(response)
    if not body:
        raise UnexpectedResponseError(
            response.status_code, "a transcript file that is not a JSON object", method="GET", path="(pre-signed)"
        )
    return body


def transcript_rows(communication: Communication, entry: dict[str, Any], body: dict[str, Any]) -> Iterator[dict]:
    """The row of one transcript file: the file's fields, plus the ids and the conversation's start.

    :param entry: the ``SegmentUrl`` it came from (its ``recording.id``).
    :param body: the transcript file.
    """
    recording = entry.get("recording")
    yield {
        **body,
        "conversationId": communication.conversation_id,
        "communicationId": communication.communication_id,
        "recordingId": recording.get("id") if isinstance(recording, dict) else None,
        "conversationStart": communication.conversation_start,
    }
