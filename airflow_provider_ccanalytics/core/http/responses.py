"""Reading vendor answers: correlation ids, Retry-After, JSON bodies (decoded once), typed errors, base URLs."""

from __future__ import annotations

import email.utils
import math
import re
import time
from typing import Any
from urllib.parse import urlsplit

import requests

from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.core.errors import (
    ApiError,
    BadRequestError,
    CcAnalyticsError,
    ConfigurationError,
    HostileResponseError,
    NotAuthorizedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)

CORRELATION_HEADERS = ("ININ-Correlation-Id", "X-Request-Id", "X-Correlation-Id")
RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})


#: the longest ``Retry-After`` read when the caller gives no cap (the retry policy's ``max_retry_after`` default)
MAX_RETRY_AFTER = 300.0


def parse_retry_after(value: str | None, cap: float = MAX_RETRY_AFTER) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), within ``[0, cap]``.

    The one place a vendor's wait becomes a number: every limiter and the retry loop get it from here, so a
    ``Retry-After: 1000000000`` (31 years) or ``inf`` waits ``cap`` seconds; a negative value or a past date 0;
    ``nan``, text or an empty header None (no advice: the backoff applies).

    :param cap: the longest wait honoured (the retry policy's ``max_retry_after``).
    """
    if not value:
        return None
    value = value.strip()[:64]
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            seconds = when.timestamp() - time.time()
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    return bounded_wait(seconds, cap)


def bounded_wait(seconds: float | None, cap: float = MAX_RETRY_AFTER) -> float | None:
    """``seconds`` within ``[0, cap]``; None for None or NaN (infinity is ``cap``)."""
    if seconds is None or math.isnan(seconds):
        return None
    return min(max(0.0, seconds), max(0.0, cap))


def correlation_id(response: requests.Response) -> str | None:
    """The vendor's request id from the response headers."""
    for name in CORRELATION_HEADERS:
        if response.headers.get(name):
            return response.headers[name]
    return None


_DECODED = "_ccanalytics_json"


def decoded_json(response: requests.Response) -> Any:
    """The response's JSON value (decoded once; the transport decodes JSON successes inside the attempt).

    :raises ValueError: when the body is not JSON.
    """
    if not hasattr(response, _DECODED):
        setattr(response, _DECODED, jsoncodec.loads(response.content))
    return getattr(response, _DECODED)


def json_body(response: requests.Response) -> dict[str, Any]:
    """The response's JSON object, or {} when it has none."""
    try:
        body = decoded_json(response)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def checked_base_url(value: Any, field: str) -> str:
    """A base URL (``https://host[:port][/path]``) without a trailing slash, or a ConfigurationError naming ``field``.

    Checked before any request: a value requests cannot send (no scheme, ``ftp://``, no host) fails here
    with the fix, not as ``LocationParseError`` or ``InvalidSchema`` from deep in a request.
    """
    text = str(value).strip()
    example = "e.g. 'https://api.mypurecloud.ie'"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise ConfigurationError(field, f"{text!r} is not a URL ({error}); {example}") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigurationError(
            field, f"{text!r} must start with https:// (or http:// for a local test server); {example}"
        )
    if not parts.hostname or " " in text or (port is not None and not 0 < port < 65536):
        raise ConfigurationError(field, f"{text!r} has no valid host; {example}")
    if parts.query or parts.fragment:
        raise ConfigurationError(field, f"{text!r} must be a base URL without '?' or '#'; {example}")
    return text.rstrip("/")


def is_json(response: requests.Response) -> bool:
    """Whether the response says its body is JSON."""
    return "json" in (response.headers.get("Content-Type") or "").lower()


def api_error_from_response(response: requests.Response, method: str) -> CcAnalyticsError:
    """Translate an API error response into a typed error (vendors refine this)."""
    body = json_body(response)
    message = str(body.get("message") or body.get("error_description") or body.get("error") or "")
    if not message:
        message = response.reason or "error"
    kwargs: dict[str, Any] = {
        "code": body.get("code") if isinstance(body.get("code"), str) else None,
        "correlation_id": correlation_id(response) or body.get("contextId"),
        "method": method,
        "path": urlsplit(response.url).path if response.url else "",
        "retry_after": parse_retry_after(response.headers.get("Retry-After")),
    }
    status = response.status_code
    error_class: type[ApiError] = {
        400: BadRequestError,
        401: NotAuthorizedError,
        403: PermissionDeniedError,
        404: NotFoundError,
        429: RateLimitedError,
    }.get(status, ServerError if status in RETRYABLE_SERVER_STATUSES else ApiError)
    return error_class(status, message, **kwargs)


#: an id the vendor names a partition folder with (Genesys org ids and CXone tenant ids are GUIDs): short, plain
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def checked_identifier(value: Any, what: str, path: str = "") -> str:
    """``value`` when it can name a folder (letters, digits, ``.``, ``_``, ``-``; at most 128 characters).

    :param what: names the value in the error (``the organization id``).
    :raises HostileResponseError: for a 300-character id, a path, control characters...: never a folder.
    """
    text = str(value)
    if _IDENTIFIER.fullmatch(text):
        return text
    shown = text[:40].encode("unicode_escape").decode("ascii")
    raise HostileResponseError(
        200,
        f"{what} {shown!r}{'...' if len(text) > 40 else ''} ({len(text)} characters) is not an id this client "
        "names a folder with (letters, digits, '.', '_', '-'; at most 128): check that the API URL is the vendor's",
        method="GET",
        path=path,
    )
