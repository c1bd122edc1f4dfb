"""What Genesys Cloud's analytics answers look like: paths, job states, job ids, the 400s that mean 'split'.

Shapes follow the official Genesys SDK (``AsyncQueryResponse``, ``AsyncQueryStatus``, ``ErrorBody``) and the
platform API's error texts for the result cap and the interval limit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests

from airflow_provider_ccanalytics.core.errors import (
    BadRequestError,
    CcAnalyticsError,
    ConfigurationError,
    IntervalTooLongError,
    ResultCapExceededError,
    UnexpectedResponseError,
)
from airflow_provider_ccanalytics.core.http import api_error_from_response, json_body
from airflow_provider_ccanalytics.core.partitions import parse_instant

DETAILS_QUERY = "/api/v2/analytics/conversations/details/query"
DETAILS_JOBS = "/api/v2/analytics/conversations/details/jobs"
#: the details-job families: each has its jobs at ``/api/v2/analytics/{family}/details/jobs`` and its own watermark
JOB_FAMILIES = ("conversations", "users")


def jobs_path(family: str = "conversations") -> str:
    """The details jobs path of a family (``conversations`` or ``users``)."""
    if family not in JOB_FAMILIES:
        raise ConfigurationError("family", f"{family!r} is not one of {JOB_FAMILIES}")
    return f"/api/v2/analytics/{family}/details/jobs"


AGGREGATES_QUERY = "/api/v2/analytics/conversations/aggregates/query"
ORGANIZATION = "/api/v2/organizations/me"

JOB_SUCCESS_STATES = frozenset({"FULFILLED"})
JOB_FAILURE_STATES = frozenset({"FAILED", "CANCELLED", "EXPIRED"})


def genesys_error_mapper(response: requests.Response, method: str) -> CcAnalyticsError:
    """Genesys errors, telling apart the two 400s that mean 'split the interval'."""
    error = api_error_from_response(response, method)
    if isinstance(error, BadRequestError):
        text = error.message.lower()
        args = (error.status, error.message)
        kwargs: dict[str, Any] = {
            "code": error.code,
            "correlation_id": error.correlation_id,
            "method": error.method,
            "path": error.path,
        }
        if "pagination may not exceed" in text:
            return ResultCapExceededError(*args, **kwargs)
        if "interval" in text and any(word in text for word in ("exceed", "too long", "maximum", "greater than")):
            return IntervalTooLongError(*args, **kwargs)
    return error


def job_id_from_answer(response: requests.Response) -> str:
    """The ``jobId`` of a job-creation answer (``{"jobId": ...}``)."""
    body = json_body(response)
    if not body.get("jobId"):
        raise UnexpectedResponseError(
            response.status_code, "the job was accepted but no jobId came back", method="POST", path=DETAILS_JOBS
        )
    return str(body["jobId"])


def conversation_start(record: dict[str, Any]) -> datetime:
    return parse_instant(record["conversationStart"], "conversationStart")
