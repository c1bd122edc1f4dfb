"""The sandbox's shared state and URLs, and the bearer-token and rate-limit checks of both vendors' APIs.

Sources: Genesys' developer docs: 300 requests per minute per token, a 429 with ``Retry-After`` and code
``too.many.requests.retry.after`` in the platform error body. NICE CXone: limits per tenant and API, 429 with
``Retry-After`` when present; no public CXone 401 or 429 body is known, so those bodies are a GUESS.
"""

from __future__ import annotations

import math
import random
import threading
from collections import Counter, deque
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

from airflow_provider_ccanalytics.testing.data import Dataset
from airflow_provider_ccanalytics.testing.sandbox.config import Fault, SandboxConfig
from airflow_provider_ccanalytics.testing.sandbox.problems import ApiProblem, genesys_problem


class SandboxBase:
    """The state every route mixin reads, and the checks every API route makes (bearer token, rate limit)."""

    config: SandboxConfig
    data: Dataset
    clock: Callable[[], float]
    counters: Counter[str]
    faults: list[Fault]
    _fault_random: random.Random
    _lock: threading.RLock
    _tokens: dict[str, dict[str, Any]]
    _refresh: dict[str, dict[str, Any]]
    _calls: dict[str, deque[float]]
    _token_calls: deque[float]
    _next_job_outcome: list[str]
    _server: ThreadingHTTPServer

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def genesys_login_url(self) -> str:
        return f"{self.base_url}/genesys/login"

    @property
    def genesys_api_url(self) -> str:
        return f"{self.base_url}/genesys/api"

    @property
    def cxone_issuer(self) -> str:
        return f"{self.base_url}/cxone/issuer"

    @property
    def cxone_api_url(self) -> str:
        return f"{self.base_url}/cxone/api"

    def _bearer(self, vendor: str, headers: Any) -> str:
        header = headers.get("Authorization") or ""
        token = header[7:] if header.lower().startswith("bearer ") else ""
        with self._lock:
            record = self._tokens.get(token)
        if record is None or record["vendor"] != vendor or record["expires_at"] <= self.clock():
            if vendor == "genesys":
                raise genesys_problem(401, "Authentication failed", "authentication.required")
            raise ApiProblem(401, {"error": "invalid_token", "message": "Token is expired or invalid"})
        return token

    def _rate_limit(self, token: str, vendor: str) -> None:
        limit = self.config.rate_limit
        if limit is None:
            return
        now = self.clock()
        with self._lock:
            calls = self._calls.setdefault(token, deque())
            while calls and calls[0] <= now - self.config.rate_window:
                calls.popleft()
            if len(calls) >= limit:
                wait = max(1, math.ceil(calls[0] + self.config.rate_window - now))
                self.counters["429 sent"] += 1
                if vendor == "genesys":
                    raise genesys_problem(
                        429,
                        f"Rate limit exceeded the maximum. Retry the request in [{wait}] seconds",
                        "too.many.requests.retry.after",
                        **{"Retry-After": str(wait)},
                    )
                raise ApiProblem(
                    429,
                    {"error": "TooManyRequests", "message": "Too many requests"},
                    {"Retry-After": str(wait)},
                )
            calls.append(now)

    def urls(self) -> dict[str, str]:
        return {
            "genesys_login_url": self.genesys_login_url,
            "genesys_api_url": self.genesys_api_url,
            "cxone_issuer": self.cxone_issuer,
            "cxone_api_url": self.cxone_api_url,
        }

    # -- scripting ---------------------------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counters)

    def reset_stats(self) -> None:
        with self._lock:
            self.counters.clear()

    def count(self, name: str) -> int:
        with self._lock:
            return self.counters[name]
