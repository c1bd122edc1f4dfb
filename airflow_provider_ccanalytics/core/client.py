"""The API client both vendors build on: the shared transport plus paging."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests

from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.core.errors import UnexpectedResponseError
from airflow_provider_ccanalytics.core.paging import PageRequest, Paginator
from airflow_provider_ccanalytics.core.transport import (
    Authenticator,
    ErrorMapper,
    HttpTransport,
    api_error_from_response,
    correlation_id,
)

log = logging.getLogger("airflow_provider_ccanalytics")


class ApiClient:
    """Authenticated calls to one vendor API through the shared :class:`HttpTransport`.

    :param transport: the shared request path.
    :param authenticator: supplies bearer tokens.
    :param error_mapper: the vendor's error translation.
    """

    def __init__(
        self,
        transport: HttpTransport,
        authenticator: Authenticator,
        error_mapper: ErrorMapper = api_error_from_response,
    ) -> None:
        self.transport = transport
        self.authenticator = authenticator
        self.error_mapper = error_mapper

    @property
    def api_base(self) -> str:
        raise NotImplementedError

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.api_base.rstrip('/')}{path}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One authenticated request (paced, retried, re-authenticated once on 401)."""
        return self.transport.request(
            method, self.url(path), authenticator=self.authenticator, error_mapper=self.error_mapper, **kwargs
        )

    def call_json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Like :meth:`call`, returning the JSON object ({} for 204).

        :raises UnexpectedResponseError: when a success carries no JSON object (never read as 'no records').
        """
        response = self.call(method, path, **kwargs)
        if response.status_code == 204:
            return {}
        try:
            body = jsoncodec.loads(response.content)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise UnexpectedResponseError(
                response.status_code,
                f"expected a JSON object, got {response.headers.get('Content-Type') or 'no content type'} "
                f"({len(response.content)} bytes); is the API base URL right?",
                correlation_id=correlation_id(response),
                method=method,
                path=urlsplit(response.url or "").path,
            )
        return body

    def pages(
        self, request: PageRequest, paginator: Paginator, records_key: str, *, what: str = "records"
    ) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Yield each page's (body, records) until the paginator says there are no more.

        :param request: the first page's request (changed in place as pages advance).
        :param paginator: the paging style.
        :param records_key: the key of the records list in each body.
        :param what: named in progress logs.
        """
        paginator.start(request)
        page, total, started = 0, 0, time.monotonic()
        while True:
            body = self.call_json(request.method, request.url, params=request.params or None, json=request.json)
            records = body.get(records_key) or []
            page += 1
            total += len(records)
            if page % 20 == 0:
                elapsed = max(time.monotonic() - started, 1e-9)
                log.info("%s: %d pages, %d %s, %.1f pages/s", what, page, total, records_key, page / elapsed)
            yield body, records
            if not paginator.advance(request, body, records):
                return
