"""NICE CXone response shapes and error classes: the parts public sources leave open, read tolerantly.

Each guess is marked GUESS; the sandbox can serve every variant (``SandboxConfig.cxone_*``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests

from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.core.errors import (
    ApiError,
    CcAnalyticsError,
    PermissionDeniedError,
    RateLimitedError,
    UnexpectedResponseError,
)
from airflow_provider_ccanalytics.core.http import api_error_from_response, correlation_id
from airflow_provider_ccanalytics.core.partitions import parse_instant

COMPLETED_CONTACTS = "/inContactAPI/services/v34.0/contacts/completed"
EXTRACTION_JOBS = "/data-extraction/v1/jobs"
REPORT_JOBS = "/inContactAPI/services/v34.0/report-jobs"

# Job states, upper-cased: NICE's help writes them Title-case (``Succeeded``), the client generated from its
# spec upper-case (``SUCCEEDED``); compare with :func:`normal_state`, never as written.
EXTRACTION_SUCCESS_STATES = frozenset({"SUCCEEDED"})
EXTRACTION_FAILURE_STATES = frozenset({"FAILED", "CANCELLED", "EXPIRED"})
REPORT_SUCCESS_STATES = frozenset({"FINISHED"})
REPORT_FAILURE_STATES = frozenset({"FAILED", "CANCELLED"})

#: Data Extraction entities found documented in public sources (name: the version public code uses, or "").
#: There is no ``completed-contacts`` entity: contacts come from the completed-contacts report.
KNOWN_EXTRACTION_ENTITIES: dict[str, str] = {
    "recording-interaction-metadata": "7",
    "qm-workflows": "4",
    "qm-questions": "",
    "qm-answers": "",
    "qm-evaluator-notes": "",
    "wfm-payroll": "",
}

#: A completed contact's start: NICE's current reporting spec names it ``contactStartDate``, older API
#: versions ``contactStart``. Which one v34 returns is not public: both are read (first found wins).
CONTACT_START_FIELDS = ("contactStartDate", "contactStart")

# GUESS (no public 403 body text is known): Data Extraction answers 403 both for throttling and for "a job is
# already running", besides missing permissions. We classify by words in the body; a 403 naming neither is a
# permission error (fails clearly instead of waiting an hour on a real permission problem).
_THROTTLE_WORDS = ("throttl", "rate limit", "too many", "quota", "exceeded the limit", "try again later")
_RUNNING_WORDS = ("already running", "already in progress", "in progress", "active job", "running job", "concurrent")
_PERMISSIONS = {
    "/data-extraction/": "Data Extraction > Jobs (Create/View)",
    "/contacts/completed": "Reporting > Completed Contacts (View)",
}


def extraction_job_id(response: requests.Response) -> str:
    """The job id a Data Extraction create answers: a JSON string (documented), ``{"jobId"}`` or ``{"id"}``."""
    answer = job_id_from_answer(response.content)
    if not answer:
        raise UnexpectedResponseError(
            response.status_code,
            "the job was accepted but no job id came back",
            correlation_id=correlation_id(response),
            method="POST",
            path=EXTRACTION_JOBS,
        )
    return answer


class ExtractionJobRunningError(ApiError):
    """The tenant already runs a Data Extraction job (one at a time): wait, then submit again."""


def cxone_error_mapper(response: requests.Response, method: str) -> CcAnalyticsError:
    """CXone errors: 403 with a throttling message is throttling (retried); any other 403 is a permission."""
    error = api_error_from_response(response, method)
    if not isinstance(error, ApiError):
        return error
    common: dict[str, Any] = {
        "code": error.code,
        "correlation_id": error.correlation_id,
        "method": error.method,
        "path": error.path,
        "retry_after": error.retry_after,
    }
    text = error.message.lower()
    creating = error.path.rstrip("/").endswith(EXTRACTION_JOBS)
    if error.status == 403 and creating and any(word in text for word in _RUNNING_WORDS):
        return ExtractionJobRunningError(403, error.message, **common)
    if error.status == 403:
        if any(word in text for word in _THROTTLE_WORDS):
            return RateLimitedError(403, error.message, **common)
        required = next((perm for part, perm in _PERMISSIONS.items() if part in error.path), None)
        return PermissionDeniedError(403, error.message, required=required, **common)
    if error.status == 409 and creating:
        return ExtractionJobRunningError(409, error.message, **common)
    return error


def contact_start(record: dict[str, Any]) -> datetime:
    """A completed contact's start, under either field name (:data:`CONTACT_START_FIELDS`).

    :raises UnexpectedResponseError: when the record has neither.
    """
    for name in CONTACT_START_FIELDS:
        if record.get(name):
            return parse_instant(record[name], name)
    raise UnexpectedResponseError(
        200,
        f"a completed contact (contactId {record.get('contactId')!r}) has neither "
        f"{' nor '.join(repr(name) for name in CONTACT_START_FIELDS)}; fields: {sorted(record)[:20]}",
        path=COMPLETED_CONTACTS,
    )


def job_id_from_answer(content: bytes) -> str:
    """The job id of a create answer: a JSON string (as documented), ``{"jobId"}`` or ``{"id"}``; "" if none."""
    try:
        return job_id_of(jsoncodec.loads(content))
    except ValueError:
        return ""


def job_id_of(answer: Any) -> str:
    """The job id in a parsed answer: a string or number, or an object's ``jobId`` / ``id``; "" if none."""
    if isinstance(answer, dict):
        answer = next((answer[key] for key in ("jobId", "id") if answer.get(key) not in (None, "")), None)
    if isinstance(answer, bool) or not isinstance(answer, (str, int)):
        return ""
    return str(answer)


def normal_state(state: Any) -> str:
    """A job state for comparison with the state sets above (upper case; ``UNKNOWN`` when absent)."""
    return str(state or "UNKNOWN").strip().upper()


def job_error_message(status: dict[str, Any]) -> str:
    """A failed job's reason: ``result.errorMessage`` (generated client) or a top-level ``errorMessage``."""
    result = status.get("result")
    nested = result.get("errorMessage") if isinstance(result, dict) else None
    return str(nested or status.get("errorMessage") or "")
