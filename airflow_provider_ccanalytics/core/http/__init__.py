"""The one request path: transport, retry policy, limiters, response checks, paging, the generic API client.

Every vendor call goes through :class:`HttpTransport` (one ``requests.Session`` per connection, the retry
policy, the rate limiter, 401 -> one token refresh, redaction of secrets in logs and errors); paginators turn
an answer into the next request; :class:`ApiClient` is what a vendor client builds on. A new retry rule goes in
``retry.py``, a new limiter beside ``ratelimit.py``, a new paging style in ``paging.py``.

May import: the foundation (``core.errors``, ``core.clock``, ``core.jsoncodec``) only. It knows no vendor,
no token grant and no dataset."""

from __future__ import annotations

from airflow_provider_ccanalytics.core.http.client import ApiClient, mapping_argument
from airflow_provider_ccanalytics.core.http.hosts import HostPolicy, host_key, host_list
from airflow_provider_ccanalytics.core.http.paging import (
    PAGINATORS,
    PAGING_STYLES,
    CursorPaginator,
    PageRequest,
    Paginator,
    RepeatedPageGuard,
    SkipTopPaginator,
    ordered_map,
    paginator_for,
)
from airflow_provider_ccanalytics.core.http.ratelimit import AdaptiveRateLimiter, Limiter, RateLimiter
from airflow_provider_ccanalytics.core.http.redaction import Redactor
from airflow_provider_ccanalytics.core.http.redis_limiter import RedisRateLimiter, redis_client
from airflow_provider_ccanalytics.core.http.responses import (
    RETRYABLE_SERVER_STATUSES,
    api_error_from_response,
    bounded_wait,
    checked_base_url,
    checked_identifier,
    correlation_id,
    json_body,
    parse_retry_after,
)
from airflow_provider_ccanalytics.core.http.retry import BODY_ERRORS, RetryPolicy
from airflow_provider_ccanalytics.core.http.transport import Authenticator, HttpTransport

__all__ = [
    "BODY_ERRORS",
    "PAGINATORS",
    "PAGING_STYLES",
    "RETRYABLE_SERVER_STATUSES",
    "AdaptiveRateLimiter",
    "ApiClient",
    "Authenticator",
    "CursorPaginator",
    "HostPolicy",
    "HttpTransport",
    "Limiter",
    "PageRequest",
    "Paginator",
    "RateLimiter",
    "Redactor",
    "RedisRateLimiter",
    "RepeatedPageGuard",
    "RetryPolicy",
    "SkipTopPaginator",
    "api_error_from_response",
    "bounded_wait",
    "checked_base_url",
    "checked_identifier",
    "correlation_id",
    "host_key",
    "host_list",
    "json_body",
    "mapping_argument",
    "ordered_map",
    "paginator_for",
    "parse_retry_after",
    "redis_client",
]
