"""The Genesys datasets' ``tables`` layout: conversation details and users details as related tables.

Conversation details (``AnalyticsConversationWithoutAttributes`` and its participants, sessions, segments and
metrics in the official SDK's models) become six tables keyed by their parents, plus evaluations, surveys and
resolutions (``AnalyticsEvaluation``, ``AnalyticsSurvey``, ``AnalyticsResolution``) keyed by ``conversationId``;
users details (``AnalyticsUserDetail``) become users, presence and routing_status. Each has its inverse, for
readers and tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airflow_provider_ccanalytics.core.records import Flattener, Row, without

#: the conversation's quality lists, each a table of its own (an absent or empty list writes no row and nests
#: back as absent)
QUALITY = ("evaluations", "surveys", "resolutions")


def conversation_rows(conversation: Row) -> Iterator[tuple[str, Row]]:
    """A conversation details record as rows of conversations, participants, attributes, sessions, segments,
    metrics, evaluations, surveys, resolutions; each row keyed by ``conversationId`` (+ ``participantId``,
    ``sessionId``, ``segmentIndex`` / ``metricIndex`` / ``resolutionIndex``: the position in the vendor's list,
    from 0; evaluations and surveys also carry their own ``evaluationId`` / ``surveyId``)."""
    conversation_id = conversation.get("conversationId")
    yield "conversations", without(conversation, "participants", *QUALITY)
    for participant in conversation.get("participants") or []:
        participant_id = participant.get("participantId")
        yield "participants", {"conversationId": conversation_id, **without(participant, "sessions", "attributes")}
        keys = {"conversationId": conversation_id, "participantId": participant_id}
        for name, value in (participant.get("attributes") or {}).items():
            yield "attributes", {**keys, "name": name, "value": value}
        for session in participant.get("sessions") or []:
            yield "sessions", {**keys, **without(session, "segments", "metrics")}
            session_keys = {**keys, "sessionId": session.get("sessionId")}
            for index, segment in enumerate(session.get("segments") or []):
                yield "segments", {**session_keys, "segmentIndex": index, **segment}
            for index, metric in enumerate(session.get("metrics") or []):
                yield "metrics", {**session_keys, "metricIndex": index, **metric}
    for table in QUALITY:
        for index, item in enumerate(conversation.get(table) or []):
            position = {"resolutionIndex": index} if table == "resolutions" else {}
            yield table, {"conversationId": conversation_id, **position, **item}


def nest_conversations(tables: dict[str, list[Row]]) -> list[Row]:
    """The nested records back from flattened rows (the inverse of :func:`conversation_rows`; for readers/tests).

    :param tables: rows per table name, each in written order.
    """
    participants: dict[Any, list[Row]] = {}
    sessions: dict[tuple[Any, Any], list[Row]] = {}
    children: dict[tuple[Any, Any, Any], dict[str, list[Row]]] = {}
    for table, parent in (("segments", "segmentIndex"), ("metrics", "metricIndex")):
        for row in sorted(tables.get(table, []), key=lambda row, key=parent: row[key]):  # type: ignore[misc]
            key = (row["conversationId"], row["participantId"], row["sessionId"])
            children.setdefault(key, {}).setdefault(table, []).append(
                without(row, "conversationId", "participantId", "sessionId", parent)
            )
    for row in tables.get("sessions", []):
        key = (row["conversationId"], row["participantId"], row["sessionId"])
        session = {**without(row, "conversationId", "participantId"), **children.get(key, {})}
        sessions.setdefault(key[:2], []).append(session)
    attributes: dict[tuple[Any, Any], dict[str, Any]] = {}
    for row in tables.get("attributes", []):
        attributes.setdefault((row["conversationId"], row["participantId"]), {})[row["name"]] = row["value"]
    for row in tables.get("participants", []):
        pair = (row["conversationId"], row["participantId"])
        participant = without(row, "conversationId")
        if pair in attributes:
            participant["attributes"] = attributes[pair]
        participant["sessions"] = sessions.get(pair, [])
        participants.setdefault(row["conversationId"], []).append(participant)
    quality: dict[Any, dict[str, list[Row]]] = {}
    for table in QUALITY:  # written order, resolutions by their position
        for row in sorted(tables.get(table, []), key=lambda row: row.get("resolutionIndex") or 0):
            quality.setdefault(row["conversationId"], {}).setdefault(table, []).append(
                without(row, "conversationId", "resolutionIndex")
            )
    return [
        {
            **row,
            "participants": participants.get(row["conversationId"], []),
            **quality.get(row["conversationId"], {}),
        }
        for row in tables.get("conversations", [])
    ]


def user_detail_table_rows(user: Row) -> Iterator[tuple[str, Row]]:
    """A users details record (``AnalyticsUserDetail``) as rows of users, presence (``primaryPresence``) and
    routing_status (``routingStatus``), the interval rows keyed by ``userId`` (in the record's order)."""
    user_id = user.get("userId")
    yield "users", without(user, "primaryPresence", "routingStatus")
    for table, key in (("presence", "primaryPresence"), ("routing_status", "routingStatus")):
        for interval in user.get(key) or []:
            yield table, {"userId": user_id, **interval}


def nest_user_details(tables: dict[str, list[Row]]) -> list[Row]:
    """The nested users details records back from flattened rows (the inverse of :func:`user_detail_table_rows`)."""
    lists: dict[str, dict[Any, list[Row]]] = {"primaryPresence": {}, "routingStatus": {}}
    for table, key in (("presence", "primaryPresence"), ("routing_status", "routingStatus")):
        for row in tables.get(table, []):
            lists[key].setdefault(row["userId"], []).append(without(row, "userId"))
    return [
        {**row, **{key: lists[key].get(row["userId"], []) for key in ("primaryPresence", "routingStatus")}}
        for row in tables.get("users", [])
    ]


#: the Genesys datasets with a tables layout, by dataset name
FLATTENERS: dict[str, Flattener] = {
    "conversation_details": Flattener(
        ("conversations", "participants", "attributes", "sessions", "segments", "metrics", *QUALITY),
        conversation_rows,
    ),
    "user_details": Flattener(("users", "presence", "routing_status"), user_detail_table_rows),
}
