"""CXone completed contacts as the sandbox generates them, and as reporting shows them over time.

Sources: the field names of NICE's v34 reporting API: older API versions' ``contactStart``/``mediaTypeName``, or
the published spec's ``contactStartDate``/``mediaTypeId`` (:meth:`ContactsMixin.contact_as`; the spec as public
generated clients have it: calljacob/nice-cxone-api ``src/services/reporting/ReportingReportingService.ts``
``completedContactDetails``). When a contact appears and changes: :mod:`.late`. Values are sandbox values.
"""

from __future__ import annotations

import bisect
import random
from typing import Any

from airflow_provider_ccanalytics.testing import late
from airflow_provider_ccanalytics.testing.common import iso, parse_ts
from airflow_provider_ccanalytics.testing.spec import DataSpec

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


class ContactsMixin:
    """The CXone completed contacts of a :class:`~.data.Dataset` (start order), generated per record."""

    spec: DataSpec
    contact_starts: list[float]
    contact_seconds: list[float]

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
