"""Genesys Cloud speech & text analytics: transcript URLs, the pre-signed transcript files, the topics list.

Sources: the official Genesys SDK (MyPureCloud/platform-client-sdk-python ``build/docs/SpeechTextAnalyticsApi.md``):
``GET /api/v2/speechandtextanalytics/conversations/{conversationId}/communications/{communicationId}/transcripturls``
answers ``TranscriptUrls`` (``conversation`` an ``AddressableEntityRef``, ``communicationId``, ``urls[]`` of
``SegmentUrl``: ``recording`` ref and ``url``, "The pre-signed S3 URL of the transcript"); ``GET
/api/v2/speechandtextanalytics/topics`` answers ``TopicsEntityListing`` (``entities[]`` of ``ListedTopic``,
``pageSize``, ``total``, ``nextUri``, ``pageCount``; ``pageSize`` default 20, ``state`` latest/published). The
pre-signed file is served like S3 serves one (AWS S3 docs, "Authenticating requests: query string"): the
signature is in the query string, and a request that also sends an ``Authorization`` header is refused with 400
``InvalidArgument`` "Only one auth mechanism allowed".

GUESS (not documented): a communication without a transcript answers 404 ``not.found``; the URL lives an hour;
the topics listing pages like the other platform lists (``nextUri``) and its page size is capped at 100 here.
"""

from __future__ import annotations

import json
import re
from typing import Any

from airflow_provider_ccanalytics.testing import speech
from airflow_provider_ccanalytics.testing.data import Dataset
from airflow_provider_ccanalytics.testing.sandbox.base import SandboxBase
from airflow_provider_ccanalytics.testing.sandbox.list_routes import ListRoute, register_sandbox_route
from airflow_provider_ccanalytics.testing.sandbox.problems import genesys_problem

TRANSCRIPT_URLS = re.compile(
    r"/api/v2/speechandtextanalytics/conversations/([^/]+)/communications/([^/]+)/transcripturls"
)
#: the path prefix of the sandbox's stand-in for the S3 bucket of transcript files
TRANSCRIPT_FILES = "/genesys/s3/"
URL_TTL_SECONDS = 3600  # GUESS


def _topics(data: Dataset, query: dict[str, str]) -> list[dict[str, Any]]:
    found = speech.topics()
    return [topic for topic in found if topic["published"]] if query.get("state") == "published" else found


register_sandbox_route(
    ListRoute("genesys", "/api/v2/speechandtextanalytics/topics", "topics", paging="platform", records_key="entities"),
    _topics,
)


class GenesysSpeechMixin(SandboxBase):
    """Transcript URLs and files over the sandbox's conversations (:mod:`...testing.speech`)."""

    _conversation_index: dict[str, int]

    def _conversation_by_id(self, conversation_id: str) -> dict[str, Any] | None:
        with self._lock:
            if not getattr(self, "_conversation_index", None) or self._conversation_index.get("_of") != id(self.data):
                index = {self.data.conversation(i)["conversationId"]: i for i in range(len(self.data.conv_starts))}
                self._conversation_index = {**index, "_of": id(self.data)}
            found = self._conversation_index.get(conversation_id)
        return None if found is None else self.data.conversation(found)

    def _transcript_urls(self, conversation_id: str, communication_id: str) -> dict[str, Any]:
        conversation = self._conversation_by_id(conversation_id)
        recordings = speech.recordings(conversation, communication_id) if conversation else []
        if not recordings:
            raise genesys_problem(404, f"No transcript for communication {communication_id}", "not.found")
        expires = int(self.clock()) + URL_TTL_SECONDS
        return {
            "conversation": {"id": conversation_id, "selfUri": f"/api/v2/conversations/{conversation_id}"},
            "communicationId": communication_id,
            "urls": [
                {
                    "recording": {
                        "id": recording,
                        "selfUri": f"/api/v2/conversations/{conversation_id}/recordings/{recording}",
                    },
                    "url": f"{self.base_url}{TRANSCRIPT_FILES}{conversation_id}/{communication_id}/{recording}.json"
                    f"?X-Amz-Expires={URL_TTL_SECONDS}&X-Amz-Date={expires}&X-Amz-Signature=sandbox",
                }
                for recording in recordings
            ],
        }

    def _transcript_file(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        route, xml = "genesys transcript file", {"Content-Type": "application/xml"}
        if headers.get("Authorization"):
            with self._lock:
                self.counters["transcript file with Authorization"] += 1
            error = "<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>"
            return route, 400, xml, f'<?xml version="1.0"?>{error}'
        match = re.fullmatch(r"([^/]+)/([^/]+)/([^/]+)\.json", path.strip("/"))
        conversation = self._conversation_by_id(match.group(1)) if match else None
        try:
            fresh = int(query.get("X-Amz-Date", "0")) >= self.clock()
        except ValueError:
            fresh = False
        if (
            match is None
            or conversation is None
            or match.group(3) not in speech.recordings(conversation, match.group(2))
        ):
            return route, 404, xml, '<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>'
        if not fresh:
            return (
                route,
                403,
                xml,
                '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
            )
        file = speech.transcript_file(conversation, match.group(2), match.group(3), self.config.genesys_org_id)
        return route, 200, {"Content-Type": "application/json"}, json.dumps(file, separators=(",", ":"))
