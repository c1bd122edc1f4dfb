"""The HTTP side of a vendor hook, from its connection's extras: rate limiter, transport, allowed hosts, retry policy.

Mixed into :class:`~airflow_provider_ccanalytics.hooks.base.CcAnalyticsHook` (which reads the connection); every
request of the hook goes through :attr:`HookTransport.transport`.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_ccanalytics.core.auth import ConnectionRuntime
from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.http import (
    AdaptiveRateLimiter,
    HostPolicy,
    HttpTransport,
    Limiter,
    Redactor,
    RetryPolicy,
    host_list,
)


class HookTransport:
    """The limiter, transport, hosts and retry policy of a hook's connection (its extras name them)."""

    #: client-side pacing default, per connection and process (0: none)
    default_requests_per_minute: float = 300.0
    #: domains pre-signed downloads may come from when the ``download_hosts`` extra is empty
    default_download_hosts: tuple[str, ...] = ()
    _retry: RetryPolicy | None

    if TYPE_CHECKING:  # provided by the hook

        @property
        def extras(self) -> dict[str, Any]: ...

        @property
        def redactor(self) -> Redactor: ...

        @property
        def runtime(self) -> ConnectionRuntime: ...

        @property
        def token_key(self) -> str: ...

    def setting(self, name: str, default: float) -> float:
        raise NotImplementedError

    def require(self, value: Any, field: str, why: str) -> str:
        raise NotImplementedError

    def make_limiter(self) -> Limiter | None:
        """The limiter the connection's extras ask for: ``rate_limiter`` ``adaptive`` (default, in this process),
        ``redis`` (one bucket in ``redis_url`` with ``redis_password``, for all workers) or ``none``; paced to
        ``requests_per_minute`` per ``rate_window_seconds``."""
        kind = str(self.extras.get("rate_limiter") or "adaptive").lower()
        per_minute = self.setting("requests_per_minute", self.default_requests_per_minute)
        if kind == "none" or per_minute <= 0:
            return None
        window = self.setting("rate_window_seconds", 60.0)
        if kind == "adaptive":
            return AdaptiveRateLimiter(per_minute, window=window, max_pause=self.retry.max_retry_after)
        if kind == "redis":
            from airflow_provider_ccanalytics.core.http import RedisRateLimiter, redis_client

            url = self.require(self.extras.get("redis_url"), "redis_url", "the Redis URL of the shared limiter")
            password = self.extras.get("redis_password") or None
            if password:
                self.redactor.add(str(password))
            client = redis_client(url, password)
            return RedisRateLimiter(
                client, self.token_key, per_minute, window=window, max_pause=self.retry.max_retry_after
            )
        raise ConfigurationError("rate_limiter", f"'{kind}' is not a limiter; use 'adaptive', 'redis' or 'none'")

    @cached_property
    def transport(self) -> HttpTransport:
        limiter = self.runtime.limiter(self.make_limiter)
        timeout = (self.setting("connect_timeout_seconds", 10.0), self.setting("read_timeout_seconds", 120.0))
        return HttpTransport(
            retry=self.retry,
            limiter=limiter,
            timeout=timeout,
            redactor=self.redactor,
            hosts=self.hosts,
            max_body_bytes=int(self.setting("max_response_mb", 32) * 2**20),
        )

    @cached_property
    def hosts(self) -> HostPolicy:
        """The hosts this connection's requests may go to: its own URLs, the vendor's discovery, ``allowed_hosts``;
        pre-signed downloads also to ``download_hosts`` (default :attr:`default_download_hosts`)."""
        downloads = self.extras.get("download_hosts")
        return HostPolicy(
            self.host_urls(),
            extra_hosts=host_list(self.extras.get("allowed_hosts")),
            download_hosts=host_list(downloads) if downloads else self.default_download_hosts,
            discover=self.discovered_hosts(),
        )

    def host_urls(self) -> list[str]:
        """The base URLs this connection's settings name (login, API, issuer)."""
        return [str(self.extras[name]) for name in ("login_url", "api_url", "issuer") if self.extras.get(name)]

    def discovered_hosts(self) -> list[Any]:
        """Callables returning base URLs the vendor's discovery gives (asked when a host is not yet known)."""
        return []

    @cached_property
    def retry(self) -> RetryPolicy:
        """The retry policy: the hook's argument, else the connection's ``retry_*`` extras."""
        if self._retry is not None:
            return self._retry
        return RetryPolicy(
            max_attempts=int(self.setting("retry_max_attempts", RetryPolicy.max_attempts)),
            backoff_max=self.setting("retry_backoff_max_seconds", RetryPolicy.backoff_max),
            max_retry_after=self.setting("retry_after_max_seconds", RetryPolicy.max_retry_after),
            max_seconds=self.setting("retry_max_seconds", RetryPolicy.max_seconds),
        )
