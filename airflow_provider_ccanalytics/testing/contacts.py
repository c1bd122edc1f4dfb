"""CXone completed contacts as the sandbox generates them, and as reporting shows them over time.

Sources: the field names of NICE's v34 reporting API: older API versions' ``contactStart``/``mediaTypeName``, or
the published spec's ``contactStartDate``/``mediaTypeId`` (:meth:`ContactsMixin.contact_as`; the spec as public
generated clients have it: calljacob/nice-cxone-api ``src/services/reporting/ReportingReportingService.ts``
``completedContactDetails``). When a contact appears and changes: :mod:`.late`. Values are sandbox values.
"""

from __future__ import annotations

import bisect
import math
import random
from typing import Any

from airflow_provider_ccanalytics.testing import late
from airflow_provider_ccanalytics.testing.common import iso
from airflow_provider_ccanalytics.testing.spec import DataSpec

#: NICE: data for a contact "settles about 30 minutes after it ends" (the sandbox's ``settle_seconds`` default)
DEFAULT_SETTLE_SECONDS = 1800.0

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


def ms_up(ts: float) -> int:
    """Epoch seconds as whole epoch milliseconds, rounded up (the APIs write instants to the millisecond).

    :param ts: epoch seconds (float noise below a hundredth of a millisecond is ignored).
    """
    return math.ceil(round(ts * 1000, 2))


def ms_down(ts: float) -> int:
    """Epoch seconds as whole epoch milliseconds, rounded down.

    :param ts: epoch seconds (float noise below a hundredth of a millisecond is ignored).
    """
    return math.floor(round(ts * 1000, 2))


class ContactsMixin:
    """The CXone completed contacts of a :class:`~.data.Dataset` (start order), generated per record."""

    spec: DataSpec
    contact_starts: list[float]
    contact_seconds: list[float]

    #: the sandbox's settle time (``SandboxConfig.settle_seconds``) for contacts the spec gives none
    settle_seconds: float = DEFAULT_SETTLE_SECONDS

    def contact(self, index: int, as_of: float | None = None) -> dict[str, Any]:
        """The completed contact at ``index`` (start order), as reporting shows it at ``as_of`` (None: final).

        Its ``lastUpdateTime`` is when reporting wrote this version (:meth:`contact_written_ms`, then
        :meth:`contact_changed_ms` for a contact that changes once more), never before it is visible.
        """
        record = self._final_contact(index)
        changed = self.contact_changed_ms(index)
        if changed is None or (as_of is not None and ms_down(as_of) < changed):
            return {**record, "lastUpdateTime": iso(self.contact_written_ms(index) / 1000)}
        duration = round(record["totalDurationSeconds"] + LATE_ACW_SECONDS, 3)
        return {**record, "totalDurationSeconds": duration, "lastUpdateTime": iso(changed / 1000)}

    def contact_written_ms(self, index: int) -> int:
        """When reporting writes the contact's record, in whole epoch milliseconds: when the contact settles (NICE:
        "about 30 minutes after it ends"; ``contact_settle_seconds`` or the sandbox's ``settle_seconds``). The record
        is visible from then on (:meth:`contact_visible`) and its ``lastUpdateTime`` is this instant.

        GUESS (NICE publishes no definition of ``lastUpdateTime``): it is when reporting last wrote the record, so
        never before the record can be read. NICE's docs advise passing a response's ``lastPollTime`` as the next
        ``updatedSince`` (singer-io/tap-nice-incontact ``streams.py`` ``ContactsCompleted``: "`lastPollTime` is
        suggested by the Docs to be used in subsequent requests"); that advice loses nothing only if no record
        updated before a ``lastPollTime`` appears after it, which this model guarantees (an earlier sandbox dated
        ``lastUpdateTime`` at the contact's end + 60 s while the contact appeared 30 min after its end: change
        capture by ``lastPollTime`` then lost contacts; tests/test_cdc_default_model.py shows both).
        """
        settle = late.contact_settle(self.spec.seed, index, self.spec.contact_settle_seconds, self.settle_seconds)
        return ms_up(self.contact_starts[index] + self.contact_seconds[index] + settle)

    def contact_changed_ms(self, index: int) -> int | None:
        """When a changing contact changes once more (its late after-call work; :func:`.late.late_delay` after it
        was written), in whole epoch milliseconds; None for a contact that does not change."""
        delay = late.late_delay(
            self.spec.seed, "contact", index, self.spec.late_fraction, self.spec.contact_change_max_seconds
        )
        return ms_up(self.contact_written_ms(index) / 1000 + delay) if delay else None

    def contact_visible(self, index: int, as_of: float) -> bool:
        """Whether reporting shows the contact at ``as_of`` (its record is written by then, to the millisecond)."""
        return self.contact_written_ms(index) <= ms_down(as_of)

    def _final_contact(self, index: int) -> dict[str, Any]:
        """The contact's facts, without ``lastUpdateTime`` (:meth:`contact` adds it)."""
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

    def contact_settles_at(self, index: int, settle_seconds: float | None = None) -> float:
        """When the contact becomes visible in reporting (it ended, then settled), in epoch seconds.

        :param settle_seconds: None (the default): the dataset's own (:meth:`contact_written_ms`); a number: that
            settle time instead, unless the spec gives each contact its own.
        """
        if settle_seconds is None:
            return self.contact_written_ms(index) / 1000
        settle = late.contact_settle(self.spec.seed, index, self.spec.contact_settle_seconds, settle_seconds)
        return ms_up(self.contact_starts[index] + self.contact_seconds[index] + settle) / 1000

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
