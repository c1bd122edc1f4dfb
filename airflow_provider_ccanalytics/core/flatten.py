"""Flattening nested records into related tables (``layout="tables"``), keyed by dataset.

A :class:`Flattener` names its tables (the first is the *root*: one row per record, so its row count is the
partition's record count) and turns one record into ``(table, row)`` pairs, each row carrying its parent
keys. Datasets that are already row-shaped (aggregates, CXone rows) have a one-table flattener whose row
is the record. Other datasets plug in with :func:`register_flattener` (e.g. users details).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError

Row = dict[str, Any]


@dataclass(frozen=True)
class Flattener:
    """How one dataset's records become table rows.

    :param tables: the table names, root first (each a folder under the partition).
    :param rows: yields ``(table, row)`` for one record.
    """

    tables: tuple[str, ...]
    rows: Callable[[Row], Iterator[tuple[str, Row]]]

    @property
    def root(self) -> str:
        return self.tables[0]


_FLATTENERS: dict[str, Flattener] = {}


def register_flattener(dataset: str, flattener: Flattener) -> None:
    """Declare how ``dataset``'s records are flattened (replacing any earlier declaration)."""
    _FLATTENERS[dataset] = flattener


def flattener_for(dataset: str) -> Flattener:
    """The flattener of ``dataset``: declared, or one table named ``rows`` holding the records as they are."""
    return _FLATTENERS.get(dataset) or Flattener(("rows",), _as_is)


def check_layout(layout: str) -> str:
    """``layout`` if it is ``records`` or ``tables``; a ConfigurationError otherwise."""
    if layout not in LAYOUTS:
        raise ConfigurationError("layout", f"{layout!r} is not one of {LAYOUTS}")
    return layout


LAYOUTS = ("records", "tables")


def _as_is(record: Row) -> Iterator[tuple[str, Row]]:
    yield "rows", record


def _without(record: Row, *names: str) -> Row:
    return {key: value for key, value in record.items() if key not in names}


def conversation_rows(conversation: Row) -> Iterator[tuple[str, Row]]:
    """A conversation details record as rows of conversations, participants, attributes, sessions, segments,
    metrics; each row keyed by ``conversationId`` (+ ``participantId``, ``sessionId``, ``segmentIndex`` /
    ``metricIndex``: the position in the vendor's list, from 0)."""
    conversation_id = conversation.get("conversationId")
    yield "conversations", _without(conversation, "participants")
    for participant in conversation.get("participants") or []:
        participant_id = participant.get("participantId")
        yield "participants", {"conversationId": conversation_id, **_without(participant, "sessions", "attributes")}
        keys = {"conversationId": conversation_id, "participantId": participant_id}
        for name, value in (participant.get("attributes") or {}).items():
            yield "attributes", {**keys, "name": name, "value": value}
        for session in participant.get("sessions") or []:
            yield "sessions", {**keys, **_without(session, "segments", "metrics")}
            session_keys = {**keys, "sessionId": session.get("sessionId")}
            for index, segment in enumerate(session.get("segments") or []):
                yield "segments", {**session_keys, "segmentIndex": index, **segment}
            for index, metric in enumerate(session.get("metrics") or []):
                yield "metrics", {**session_keys, "metricIndex": index, **metric}


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
                _without(row, "conversationId", "participantId", "sessionId", parent)
            )
    for row in tables.get("sessions", []):
        key = (row["conversationId"], row["participantId"], row["sessionId"])
        session = {**_without(row, "conversationId", "participantId"), **children.get(key, {})}
        sessions.setdefault(key[:2], []).append(session)
    attributes: dict[tuple[Any, Any], dict[str, Any]] = {}
    for row in tables.get("attributes", []):
        attributes.setdefault((row["conversationId"], row["participantId"]), {})[row["name"]] = row["value"]
    for row in tables.get("participants", []):
        pair = (row["conversationId"], row["participantId"])
        participant = _without(row, "conversationId")
        if pair in attributes:
            participant["attributes"] = attributes[pair]
        participant["sessions"] = sessions.get(pair, [])
        participants.setdefault(row["conversationId"], []).append(participant)
    return [
        {**row, "participants": participants.get(row["conversationId"], [])} for row in tables.get("conversations", [])
    ]


register_flattener(
    "conversation_details",
    Flattener(("conversations", "participants", "attributes", "sessions", "segments", "metrics"), conversation_rows),
)


def user_detail_rows(user: Row) -> Iterator[tuple[str, Row]]:
    """A users details record (``AnalyticsUserDetail``) as rows of users, presence (``primaryPresence``) and
    routing_status (``routingStatus``), the interval rows keyed by ``userId`` (in the record's order)."""
    user_id = user.get("userId")
    yield "users", _without(user, "primaryPresence", "routingStatus")
    for table, key in (("presence", "primaryPresence"), ("routing_status", "routingStatus")):
        for interval in user.get(key) or []:
            yield table, {"userId": user_id, **interval}


def nest_user_details(tables: dict[str, list[Row]]) -> list[Row]:
    """The nested users details records back from flattened rows (the inverse of :func:`user_detail_rows`)."""
    lists: dict[str, dict[Any, list[Row]]] = {"primaryPresence": {}, "routingStatus": {}}
    for table, key in (("presence", "primaryPresence"), ("routing_status", "routingStatus")):
        for row in tables.get(table, []):
            lists[key].setdefault(row["userId"], []).append(_without(row, "userId"))
    return [
        {**row, **{key: lists[key].get(row["userId"], []) for key in ("primaryPresence", "routingStatus")}}
        for row in tables.get("users", [])
    ]


register_flattener("user_details", Flattener(("users", "presence", "routing_status"), user_detail_rows))
