"""Per-connection runtime state of this process: token cache, rate limiter, discovered facts.

Everything that hook objects, threads and sub-windows of one connection share lives in one
:class:`ConnectionRuntime`, made once per key by :func:`connection_runtime` (the one factory): a new hook for
the same connection and credentials gets the same token, the same limiter and the same discovery answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from airflow_provider_ccanalytics.core.auth.tokens import Token
from airflow_provider_ccanalytics.core.errors import CcAnalyticsError
from airflow_provider_ccanalytics.core.http import Limiter

T = TypeVar("T")


@dataclass
class TokenSlot:
    """One connection's access token in this process, and its last failure for good.

    :param token: the cached token, if any.
    :param failure: (monotonic time, error) of the last token request that spent its whole budget.
    :param lock: held while a token is checked or obtained, so one thread fetches and the others wait.
    """

    token: Token | None = None
    failure: tuple[float, CcAnalyticsError] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@dataclass
class ConnectionRuntime:
    """The shared state of one connection (one token-store key) in this process.

    :param key: the connection's token-store key (connection id and credential fingerprint).
    """

    key: str
    tokens: TokenSlot = field(default_factory=TokenSlot)
    _facts: dict[str, Any] = field(default_factory=dict, repr=False)
    _facts_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def limiter(self, make: Callable[[], Limiter | None]) -> Limiter | None:
        """The connection's limiter (None: no client-side pacing), made by ``make`` on first use."""
        return self.discovered("limiter", make)

    def discovered(self, name: str, load: Callable[[], T]) -> T:
        """The fact ``name`` (an org id, a tenant's API base...), loaded once and then cached.

        :param load: fetches it; a failure is not cached.
        """
        with self._facts_lock:
            if name in self._facts:
                return self._facts[name]
        value = load()
        with self._facts_lock:
            return self._facts.setdefault(name, value)


class _Registry:
    def __init__(self) -> None:
        self.runtimes: dict[str, ConnectionRuntime] = {}
        self.lock = threading.Lock()


_registry = _Registry()


def connection_runtime(key: str) -> ConnectionRuntime:
    """The runtime of ``key`` in this process, made on first use.

    :param key: the connection's token-store key.
    """
    with _registry.lock:
        runtime = _registry.runtimes.get(key)
        if runtime is None:
            runtime = _registry.runtimes[key] = ConnectionRuntime(key)
        return runtime


def forget_runtimes() -> None:
    """Drop every connection's runtime (tests use it to act like a fresh process)."""
    with _registry.lock:
        _registry.runtimes.clear()
