"""Reading an answer inside its attempt: the body (bounded), its JSON (decoded once), and redirects (same host only).

Written by hand: requests reads a whole body and follows redirects across hosts (stripping only the Authorization
header); both are switched off in the transport (``stream=True``, ``allow_redirects=False``) and done here instead.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from airflow_provider_ccanalytics.core.errors import (
    ForeignHostError,
    HostileResponseError,
    TruncatedResponseError,
    UnexpectedResponseError,
)
from airflow_provider_ccanalytics.core.http.hosts import host_key
from airflow_provider_ccanalytics.core.http.responses import correlation_id, decoded_json, is_json
from airflow_provider_ccanalytics.core.jsoncodec import NestedTooDeepError

#: redirects the transport handles itself (requests' own following is off: it would cross hosts)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
#: the largest answer read into memory by default (a details page of 100 conversations is about 1 MiB)
MAX_BODY_BYTES = 32 * 2**20


def redirected(
    response: requests.Response, method: str, url: str, kwargs: dict[str, Any], redirects: int
) -> tuple[str, str, dict[str, Any]]:
    """The request a same-host redirect asks for; a redirect to another host is refused, never followed.

    requests would follow it and only strip the Authorization header, then read the foreign answer as data.
    """
    status, path = response.status_code, urlsplit(url).path
    target = urljoin(url, response.headers.get("Location") or "")
    what = f"a {status} redirect from {method} {path[:80]}"
    if host_key(target) != host_key(url):
        raise ForeignHostError(host_key(target).removesuffix(":443") or "an unknown host", what, "allowed_hosts")
    if redirects > MAX_REDIRECTS or not response.headers.get("Location"):
        raise UnexpectedResponseError(status, f"{what}: too many redirects or no Location", method=method, path=path)
    follow = {key: value for key, value in kwargs.items() if key != "params"}  # the Location carries the query
    if status == 303 or (status in (301, 302) and method == "POST"):
        method = "GET"  # as browsers and requests do; the body is dropped
        follow = {key: value for key, value in follow.items() if key not in ("json", "data")}
    return method, target, follow


def read_bounded(response: requests.Response, method: str, url: str, limit: int) -> None:
    """Read the body as requests would (``response.content``), refusing it past ``limit`` bytes."""
    announced = response.headers.get("Content-Length") or ""
    body = bytearray()
    if not (announced.isdigit() and int(announced) > limit):
        for chunk in response.iter_content(1 << 16):
            body += chunk
            if len(body) > limit:
                break
        else:
            response._content = bytes(body)  # what requests' own .content does, bounded
            response._content_consumed = True  # type: ignore[attr-defined]
            return
    response.close()
    raise _refused(
        HostileResponseError,
        response,
        method,
        url,
        f"the answer is larger than {limit // 2**20} MiB (Content-Length {announced or 'not given'}); not read "
        "whole. Lower the page size, or raise the connection's max_response_mb if the vendor really sends this",
    )


def check_json(response: requests.Response, method: str, url: str) -> None:
    """Decode a JSON success now: a body that says JSON but does not parse was cut off (retried); one nested
    deeper than the decoder allows is hostile (not retried)."""
    if not response.content or not is_json(response):
        return
    try:
        decoded_json(response)
    except NestedTooDeepError:
        size = len(response.content)
        message = f"the JSON answer ({size} bytes) is nested deeper than any vendor answer; refused"
        raise _refused(HostileResponseError, response, method, url, message) from None
    except ValueError:
        message = f"the JSON body ended after {len(response.content)} bytes (cut off on the way)"
        raise _refused(TruncatedResponseError, response, method, url, message) from None


def _refused(
    kind: type[UnexpectedResponseError], response: requests.Response, method: str, url: str, message: str
) -> UnexpectedResponseError:
    """The error refusing an answer's body, with what identifies the request (never the query string).

    :param kind: :class:`HostileResponseError` (not retried) or :class:`TruncatedResponseError` (retried).
    :param response: the answer refused.
    :param method: the request's method.
    :param url: the request's URL (only its path is kept).
    :param message: what is wrong with the body.
    """
    return kind(
        response.status_code, message, correlation_id=correlation_id(response), method=method, path=urlsplit(url).path
    )
