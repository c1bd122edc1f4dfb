"""What CXone's reporting and extraction routes share: job states, status casing, contacts as CSV.

Sources: NICE's help writes job states Title-case (``Succeeded``), the client generated from its published
spec upper-case (``SUCCEEDED``): both are served (``cxone_status_case``). The CSV columns are the completed
contact's fields (:meth:`Dataset.contact_as`); a real extraction entity's columns differ (SANDBOX).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from airflow_provider_ccanalytics.testing.data import CONTACT_FIELDS
from airflow_provider_ccanalytics.testing.sandbox.base import SandboxBase


class CxoneCommon(SandboxBase):
    """Helpers of the CXone routes."""

    #: the sandbox's one custom report: completed contacts as CSV
    REPORT_ID = "1001"
    #: a documented Data Extraction entity and the version public code uses; the sandbox serves contact-like
    #: rows for every entity (SANDBOX: the real entity's columns differ)
    EXTRACTION_ENTITY = ("recording-interaction-metadata", "7")

    def contact_record(self, index: int, as_of: float | None = None) -> dict[str, Any]:
        """A completed contact as this sandbox serves it (``cxone_contact_fields``) at ``as_of`` (None: final)."""
        return self.data.contact_as(index, self.config.cxone_contact_fields, as_of)

    def _cased(self, state: str) -> str:
        case = self.config.cxone_status_case
        if case is None:
            return state
        return {"upper": state.upper(), "title": state.title(), "lower": state.lower()}[case]

    def _extraction_status(self, job: dict[str, Any], running: str = "RUNNING", cancelled: str = "CANCELLED") -> str:
        """The state of a CXone job (extraction or report: each API spells its states its own way)."""
        if job["cancelled"]:
            return cancelled
        if self.clock() - job["created"] < self.config.extraction_seconds:
            return running
        return str(job["outcome"])

    def _contacts_csv(self, start: float, end: float) -> str:
        """The contacts that started in [start, end) as CSV, as extraction and report files carry them."""
        out = io.StringIO()
        variant = self.config.cxone_contact_fields
        fields = list(self.data.contact_as(0, variant)) if self.data.contact_starts else list(CONTACT_FIELDS)
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for index in self.data.contacts_started(start, end):
            writer.writerow(self.data.contact_as(index, variant))
        return out.getvalue()
