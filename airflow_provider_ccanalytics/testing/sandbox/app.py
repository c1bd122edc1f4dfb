"""The :class:`Sandbox`: one HTTP server on 127.0.0.1 serving both vendors (see the package docstring).

Sources: no vendor shape of its own: it holds the state that the route modules serve, and each of them names the
vendor source it is written from.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

from airflow_provider_ccanalytics.testing.data import Dataset
from airflow_provider_ccanalytics.testing.sandbox.config import Fault, SandboxConfig
from airflow_provider_ccanalytics.testing.sandbox.genesys_jobs import _Job
from airflow_provider_ccanalytics.testing.sandbox.http import make_handler
from airflow_provider_ccanalytics.testing.sandbox.oauth import _Grant
from airflow_provider_ccanalytics.testing.sandbox.routing import Router


class Sandbox(Router):
    """The emulator. Use as a context manager, or ``start()``/``stop()``.

    :param config: behaviour; see :class:`SandboxConfig`.
    :param port: 0 picks a free port.
    :param host: loopback only.
    """

    def __init__(self, config: SandboxConfig | None = None, port: int = 0, host: str = "127.0.0.1") -> None:
        self.config = config or SandboxConfig()
        self.data = Dataset(self.config.data, self.config.settle_seconds)
        self.clock: Callable[[], float] = time.time
        self.counters: Counter[str] = Counter()
        self.faults: list[Fault] = []
        self._fault_random = random.Random(self.config.data.seed)
        self._lock = threading.RLock()
        self._tokens: dict[str, dict[str, Any]] = {}
        self._refresh: dict[str, dict[str, Any]] = {}
        self._codes: dict[str, _Grant] = {}
        self._calls: dict[str, deque[float]] = {}
        self._token_calls: deque[float] = deque()
        self._jobs: dict[str, _Job] = {}
        self._next_job_outcome: list[str] = []
        self._extractions: dict[str, dict[str, Any]] = {}
        self._reports: dict[str, dict[str, Any]] = {}
        self._last_extraction_create = -math.inf
        self._files: dict[str, tuple[str, float]] = {}
        self._server = ThreadingHTTPServer((host, port), make_handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    def genesys_connection(self, grant_type: str = "client_credentials", **extra: Any) -> dict[str, Any]:
        """An Airflow connection (JSON form) for this sandbox's Genesys side.

        :param grant_type: ``client_credentials`` or ``authorization_code``.
        :param extra: more extras (``refresh_token``, ``requests_per_minute``...).
        """
        return {
            "conn_type": "genesys_cloud",
            "login": self.config.genesys_client_id,
            "password": self.config.genesys_client_secret,
            "extra": {
                "login_url": self.genesys_login_url,
                "api_url": self.genesys_api_url,
                "grant_type": grant_type,
                **extra,
            },
        }

    def cxone_connection(self, grant_type: str = "access_key", **extra: Any) -> dict[str, Any]:
        """An Airflow connection (JSON form) for this sandbox's CXone side."""
        fields: dict[str, Any] = {"issuer": self.cxone_issuer, "grant_type": grant_type}
        if grant_type == "access_key":
            fields.update(
                access_key_id=self.config.cxone_access_key_id,
                access_key_secret=self.config.cxone_access_key_secret,
            )
        return {
            "conn_type": "nice_cxone",
            "login": self.config.cxone_client_id,
            "password": self.config.cxone_client_secret,
            "extra": {**fields, **extra},
        }

    def start(self) -> Sandbox:
        self._thread = threading.Thread(target=self._server.serve_forever, name="ccanalytics-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_fault(self, pattern: str, status: int | None = 503, **kwargs: Any) -> Fault:
        """Script a failure for matching requests; see :class:`Fault`."""
        fault = Fault(pattern, status, **kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def prewarm(self) -> None:
        """Serialize every conversation now, so that first reads are as fast as later ones (benchmarks)."""
        for index in range(len(self.data.conv_starts)):
            self.data.conversation_json(index)

    def fail_next_job(self, outcome: str = "FAILED") -> None:
        """The next Genesys job (or CXone extraction) ends in ``outcome`` (FAILED or EXPIRED)."""
        with self._lock:
            self._next_job_outcome.append(outcome)

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token issued so far stops working (as when a user's access is revoked)."""
        with self._lock:
            for grant in self._refresh.values():
                grant["revoked"] = True

    def expire_access_tokens(self) -> None:
        """Every access token issued so far expires now."""
        with self._lock:
            for token in self._tokens.values():
                token["expires_at"] = 0.0

    def job_state(self, job_id: str) -> str:
        """Ground truth of a Genesys job's state."""
        with self._lock:
            return self._genesys_job_state(self._jobs[job_id])

    def extraction_state(self, job_id: str) -> str:
        """Ground truth of a CXone extraction job's status."""
        with self._lock:
            return self._extraction_status(self._extractions[job_id])
