"""Typed schemas of the NICE CXone datasets that are not a declared endpoint's (see :mod:`.endpoints`).

Completed contacts follow NICE's v34 ``/contacts/completed`` answer; both field variants the client accepts are
declared (older ``contactStart``/``contactEnd``, current ``contactStartDate``...).
"""

from __future__ import annotations

from airflow_provider_ccanalytics.core.records import DatasetSchema, boolean, columns, float64, string, timestamp

CONTACT = columns(
    string("contactId", "masterContactId"),
    timestamp("contactStart", "contactStartDate", "contactEnd"),
    string(
        "agentId",
        "skillId",
        "campaignId",
        "teamId",
        "mediaTypeId",
        "mediaTypeName",
        "fromAddress",
        "toAddress",
        "pointOfContactId",
    ),
    float64("totalDurationSeconds"),
    boolean("abandoned", "isOutbound"),
    timestamp("lastUpdateTime"),
    string("businessUnitId"),
)

SCHEMAS: tuple[DatasetSchema, ...] = (
    DatasetSchema("completed_contacts", 1, CONTACT),
    # GUESS: the sandbox serves contact-like rows for every extraction entity; the real entities' columns are
    # not public. Undeclared columns keep the csvrows rule's JSON types and land in _extra.
    DatasetSchema("data_extraction", 1, CONTACT),
)
