"""Declared schemas of the datasets we write: one place per dataset (and per table of a flattened layout).

Column types are neutral names (no pyarrow here; :mod:`airflow_provider_ccanalytics.outputs.typed` maps them
to Arrow): ``string``, ``int64``, ``float64``, ``bool``, ``timestamp`` (an instant, UTC, microseconds),
``json`` (any value, kept as JSON text) and ``list<string>``. Every typed output also has an ``_extra``
column: the JSON object of the fields a record had outside the declared columns, and of values that did
not fit their column's type, so a new vendor field never fails a run (the manifest counts them).

**Schema evolution** (what keeps every partition readable as one table):

- a declared schema may only *grow*: new columns are added, nullable, at the end, and the dataset's
  ``version`` goes up by one; a reader of the union gets nulls for the new column in older partitions;
- a column's type never changes and a column is never removed or renamed; a change of meaning needs a
  new dataset name (e.g. ``conversation_details_v2``);
- a field first seen in ``_extra`` is promoted by declaring it (older partitions keep it in ``_extra``).

Keys are dataset names as operators write them (``conversation_details``); a flattened table is
``<dataset>/<table>`` (``conversation_details/segments``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from airflow_provider_ccanalytics.core.errors import ConfigurationError

TYPES = ("string", "int64", "float64", "bool", "timestamp", "json", "list<string>")
#: the column that holds what the declared columns do not
EXTRA = "_extra"


@dataclass(frozen=True)
class Column:
    """One declared column.

    :param name: the field name as the vendor spells it (``conversationStart``).
    :param type: one of :data:`TYPES`.
    :param doc: what it holds (shown in the README).
    """

    name: str
    type: str
    doc: str = ""

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ConfigurationError("schema", f"column {self.name!r}: type {self.type!r} is not one of {TYPES}")


@dataclass(frozen=True)
class DatasetSchema:
    """The declared columns of a dataset (or one table of a flattened layout), in order.

    :param name: ``<dataset>`` or ``<dataset>/<table>``.
    :param version: goes up by one each time columns are added (see the module docstring).
    :param columns: the declared columns.
    """

    name: str
    version: int
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def _columns(spec: str) -> tuple[Column, ...]:
    """Columns from ``"name:type name:type ..."`` (compact declarations below)."""
    return tuple(Column(*item.split(":", 1)) for item in spec.split())


_SCHEMAS: dict[str, DatasetSchema] = {}


def register_schema(name: str, version: int, columns: str | tuple[Column, ...]) -> DatasetSchema:
    """Declare (or replace) the schema of a dataset, e.g. a custom CXone report ``report_<id>``.

    :param name: the dataset name (``report_1234``) or ``<dataset>/<table>``.
    :param version: the schema version (raise it when adding columns).
    :param columns: ``Column`` objects, or ``"name:type name:type"``.
    """
    declared = DatasetSchema(name, version, _columns(columns) if isinstance(columns, str) else tuple(columns))
    _SCHEMAS[name] = declared
    return declared


def schema_for(dataset: str, table: str = "") -> DatasetSchema:
    """The declared schema of a dataset (or of one of its flattened tables).

    A dataset without a declaration gets an empty one (version 0): every field then lands in ``_extra``.
    """
    name = f"{dataset}/{table}" if table else dataset
    return _SCHEMAS.get(name) or DatasetSchema(name, 0)


def declared(name: str) -> bool:
    """Whether ``name`` (``<dataset>`` or ``<dataset>/<table>``) has a declared schema."""
    return name in _SCHEMAS


# -- Genesys Cloud: analytics conversation details (purecloudplatformclientv2 AnalyticsConversation*) --------

_CONVERSATION = (
    "conversationId:string conversationStart:timestamp conversationEnd:timestamp originatingDirection:string "
    "conversationInitiator:string customerParticipation:bool externalTag:string divisionIds:list<string> "
    "knowledgeBaseIds:list<string> mediaStatsMinConversationMos:float64 mediaStatsMinConversationRFactor:float64 "
    "originatingSocialMediaPublic:bool selfServed:bool conferenceStart:timestamp inactivityTimeout:timestamp"
)
_PARTICIPANT = (
    "participantId:string participantName:string purpose:string userId:string teamId:string "
    "externalContactId:string externalOrganizationId:string flaggedReason:string screenRecordingState:string"
)
_SESSION = (
    "sessionId:string mediaType:string direction:string ani:string dnis:string addressFrom:string "
    "addressTo:string addressOther:string addressSelf:string edgeId:string peerId:string protocolCallId:string "
    "provider:string remote:string remoteNameDisplayable:string sessionDnis:string selectedAgentId:string "
    "requestedRoutings:list<string> usedRouting:string routingRing:int64 recording:bool skipEnabled:bool "
    "timeoutSeconds:int64 mediaCount:int64 flowInType:string flowOutType:string outboundCampaignId:string "
    "outboundContactId:string outboundContactListId:string"
)
_SEGMENT = (
    "segmentStart:timestamp segmentEnd:timestamp segmentType:string disconnectType:string queueId:string "
    "wrapUpCode:string wrapUpNote:string wrapUpTags:list<string> errorCode:string "
    "requestedRoutingSkillIds:list<string> requestedLanguageId:string conference:bool groupId:string "
    "subject:string sourceConversationId:string destinationConversationId:string audioMuted:bool videoMuted:bool"
)
_CONVERSATION_KEY = "conversationId:string"
_PARTICIPANT_KEY = f"{_CONVERSATION_KEY} participantId:string"
_SESSION_KEY = f"{_PARTICIPANT_KEY} sessionId:string"

# records layout: the top-level fields typed, the nested participants as JSON text
register_schema("conversation_details", 1, f"{_CONVERSATION} participants:json")
# tables layout (Fivetran names the same tables conversation, conversation_participant, ...)
register_schema("conversation_details/conversations", 1, _CONVERSATION)
register_schema("conversation_details/participants", 1, f"{_CONVERSATION_KEY} {_PARTICIPANT}")
register_schema(
    "conversation_details/attributes", 1, f"{_PARTICIPANT_KEY} name:string value:string"
)  # participant attributes: one row per key
register_schema("conversation_details/sessions", 1, f"{_PARTICIPANT_KEY} {_SESSION}")
register_schema("conversation_details/segments", 1, f"{_SESSION_KEY} segmentIndex:int64 {_SEGMENT}")
register_schema(
    "conversation_details/metrics", 1, f"{_SESSION_KEY} metricIndex:int64 name:string value:int64 emitDate:timestamp"
)

# -- Genesys Cloud: conversation aggregates as flat rows (GenesysCloudClient.iter_aggregate_rows) ------------

register_schema(
    "conversation_aggregates",
    1,
    # the groupBy dimensions most used; other dimensions land in _extra until declared here
    "queueId:string userId:string mediaType:string direction:string wrapUpCode:string divisionId:string "
    "originatingDirection:string purpose:string interval:string metric:string stat:string value:float64",
)

# -- Genesys Cloud: agent activity, users details (purecloudplatformclientv2 AnalyticsUserDetail,
# AnalyticsUserPresenceRecord, AnalyticsRoutingStatusRecord) ------------------------------------------------

_INTERVAL = "startTime:timestamp endTime:timestamp"
register_schema("user_details", 1, "userId:string primaryPresence:json routingStatus:json")
register_schema("user_details/users", 1, "userId:string")
register_schema(
    "user_details/presence",
    1,
    f"userId:string {_INTERVAL} systemPresence:string organizationPresenceId:string durationMilliseconds:int64",
)
register_schema(
    "user_details/routing_status", 1, f"userId:string {_INTERVAL} routingStatus:string durationMilliseconds:int64"
)

# -- NICE CXone ----------------------------------------------------------------------------------------------

# both field variants the client accepts (older: contactStart/contactEnd; current: contactStartDate...)
_CONTACT = (
    "contactId:string masterContactId:string contactStart:timestamp contactStartDate:timestamp "
    "contactEnd:timestamp agentId:string skillId:string campaignId:string teamId:string mediaTypeId:string "
    "mediaTypeName:string fromAddress:string toAddress:string pointOfContactId:string "
    "totalDurationSeconds:float64 abandoned:bool isOutbound:bool lastUpdateTime:timestamp businessUnitId:string"
)
register_schema("completed_contacts", 1, _CONTACT)
# GUESS: the sandbox serves contact-like rows for every extraction entity; the real entities' columns are
# not public. Undeclared columns keep the csvrows rule's JSON types and land in _extra.
register_schema("data_extraction", 1, _CONTACT)
