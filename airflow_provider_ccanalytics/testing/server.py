"""The API sandbox: a local emulator of Genesys Cloud's and NICE CXone's auth and analytics APIs.

One HTTP/1.1 server on 127.0.0.1 serves both vendors under path prefixes, with the vendors'
real paths below them, so only base URLs differ from production:

- Genesys login ``/genesys/login`` (``/oauth/token``, ``/oauth/authorize``), API ``/genesys/api``.
- CXone issuer ``/cxone/issuer`` (discovery, ``/auth/token``, ``/auth/authorize``), API ``/cxone/api``,
  pre-signed result files ``/cxone/files``.
- ``/_sandbox/stats`` (counters) and ``/_sandbox/reset`` for scripts in other processes.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import math
import random
import re
import secrets
import socket
import struct
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from airflow_provider_ccanalytics.core.cxone import KNOWN_EXTRACTION_ENTITIES
from airflow_provider_ccanalytics.testing.data import (
    CONTACT_FIELDS,
    Dataset,
    DataSpec,
    iso,
    parse_duration,
    parse_ts,
)


@dataclass
class SandboxConfig:
    """Every behaviour of the sandbox that a test may want to change.

    Durations are real seconds; shrink them (rate_window, job durations, settle) to run fast.
    """

    data: DataSpec = field(default_factory=DataSpec)
    # credentials
    genesys_client_id: str = "sandbox-genesys-client"
    genesys_client_secret: str = "sandbox-genesys-secret"
    genesys_public_client_id: str = "sandbox-genesys-public"
    cxone_client_id: str = "sandbox-cxone-client"
    cxone_client_secret: str = "sandbox-cxone-secret"
    cxone_public_client_id: str = "sandbox-cxone-public"
    cxone_access_key_id: str = "SANDBOXKEYID"
    cxone_access_key_secret: str = "c2FuZGJveC1hY2Nlc3Mta2V5LXNlY3JldA+/===="
    cxone_tenant_id: str = "11eb0000-0000-4000-8000-00000000cafe"
    test_user: str = "sandbox.user@example.com"
    # tokens
    token_ttl: float = 86400.0
    cxone_token_ttl: float = 3600.0
    genesys_rotate_refresh_tokens: bool = False
    token_requests_per_window: int | None = None
    # limits
    rate_limit: int | None = 300
    rate_window: float = 60.0
    max_page_size: int = 100
    result_cap: int = 100_000
    max_interval_days: float = 7.0
    # jobs
    job_seconds: float = 1.0
    job_expire_seconds: float = 3600.0
    availability_lag: float = 3 * 3600.0
    extraction_seconds: float = 1.0
    extraction_create_interval: float = 30.0
    result_url_ttl: float = 30.0
    settle_seconds: float = 1800.0
    cxone_max_top: int = 10_000
    # CXone shapes that public sources leave open: each variant the client must read (see README, "Vendor
    # shapes we are unsure of"); the defaults follow the client generated from NICE's spec.
    cxone_contact_fields: str = "current"  # completed contacts: "current" (contactStartDate...) or "legacy"
    cxone_status_case: str | None = None  # None: extraction UPPER, report Title; or "upper"/"title"/"lower"
    cxone_job_id_field: str = "id"  # jobStatus.id (generated client) or "jobId"
    cxone_create_answer: str = "string"  # create answer: a JSON string (docs), or "jobId" / "id" objects
    cxone_error_message_in: str = "result"  # a failed job's errorMessage: under "result" or at the "top"
    cxone_busy_status: int = 403  # "already running" and create throttling: 403 (seen) or 409 / 429
    cxone_strict_entities: bool = False  # refuse extraction entities not in KNOWN_EXTRACTION_ENTITIES
    genesys_job_result_cap: int = 400_000  # details job results past this answer 400 "Pagination may not..."
    # everything
    latency: float = 0.0


@dataclass
class Fault:
    """A scripted failure: the next ``times`` requests whose path matches ``pattern`` get it.

    :param pattern: regular expression searched in the request path (prefix included).
    :param status: the status to answer (ignored when ``drop``).
    :param drop: close the connection without answering.
    :param delay: seconds to wait before answering normally (with status None).
    :param body: the JSON body to send, or a string sent as HTML.
    :param after: matching requests to let through before the fault starts (a failure mid-stream).
    :param truncate: serve the real answer (the request takes effect) but only this fraction of its body,
        then close the connection (a proxy cutting a response short; the client sees an incomplete body).
    :param reset: with ``truncate``, reset the connection (TCP RST) instead of closing it.
    :param short_body: with ``truncate``, send a Content-Length that matches the cut body: a complete HTTP
        answer whose JSON is cut off (a 200 with truncated JSON).
    :param echo_request: answer ``status`` with a body that echoes the request's headers and body (as some
        token endpoints and gateways do), to prove secrets never reach logs.
    :param rate: the share of matching requests that get the fault (e.g. 0.03 with a large ``times``: a
        proxy that cuts 3 % of responses), drawn from a generator seeded with the data seed.
    """

    pattern: str
    status: int | None = 503
    times: int = 1
    retry_after: float | None = None
    drop: bool = False
    delay: float = 0.0
    body: dict[str, Any] | str | None = None
    method: str | None = None
    after: int = 0
    truncate: float | None = None
    reset: bool = False
    short_body: bool = False
    echo_request: bool = False
    rate: float = 1.0


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    challenge: str | None
    expires_at: float


@dataclass
class _Job:
    job_id: str
    start: float
    end: float
    created: float
    duration: float
    outcome: str = "FULFILLED"
    cancelled: bool = False
    availability: float = 0.0
    query: dict[str, Any] = field(default_factory=dict)


class RawJson(bytes):
    """A body already serialized as JSON."""


class ApiProblem(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


def genesys_problem(status: int, message: str, code: str = "bad.request", **headers: str) -> ApiProblem:
    body = {
        "message": message,
        "code": code,
        "status": status,
        "contextId": str(uuid.uuid4()),
        "details": [],
        "errors": [],
    }
    return ApiProblem(status, body, dict(headers))


def oauth_problem(status: int, error: str, description: str) -> ApiProblem:
    return ApiProblem(status, {"error": error, "error_description": description, "description": description})


class Sandbox:
    """The emulator. Use as a context manager, or ``start()``/``stop()``.

    :param config: behaviour; see :class:`SandboxConfig`.
    :param port: 0 picks a free port.
    :param host: loopback only.
    """

    def __init__(self, config: SandboxConfig | None = None, port: int = 0, host: str = "127.0.0.1") -> None:
        self.config = config or SandboxConfig()
        self.data = Dataset(self.config.data)
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
        self._server = ThreadingHTTPServer((host, port), _make_handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle and URLs ---------------------------------------------------------------------

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

    def urls(self) -> dict[str, str]:
        return {
            "genesys_login_url": self.genesys_login_url,
            "genesys_api_url": self.genesys_api_url,
            "cxone_issuer": self.cxone_issuer,
            "cxone_api_url": self.cxone_api_url,
        }

    # -- scripting ---------------------------------------------------------------------------------

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

    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counters)

    def reset_stats(self) -> None:
        with self._lock:
            self.counters.clear()

    def count(self, name: str) -> int:
        with self._lock:
            return self.counters[name]

    def job_state(self, job_id: str) -> str:
        """Ground truth of a Genesys job's state."""
        with self._lock:
            return self._genesys_job_state(self._jobs[job_id])

    def extraction_state(self, job_id: str) -> str:
        """Ground truth of a CXone extraction job's status."""
        with self._lock:
            return self._extraction_status(self._extractions[job_id])

    # -- request plumbing ----------------------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and re.search(fault.pattern, path) and fault.method in (None, method):
                    if fault.rate < 1.0 and self._fault_random.random() >= fault.rate:
                        continue
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.times -= 1
                    return fault
        return None

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """Dispatch one request; returns (status, headers, body). Never raises."""
        route = "unknown"
        try:
            for prefix, handler in self._routes():
                if path.startswith(prefix):
                    route, status, out_headers, payload = handler(
                        method, path[len(prefix) :] or "/", query, headers, body
                    )
                    break
            else:
                raise genesys_problem(404, f"No route for {method} {path}", "not.found")
        except ApiProblem as problem:
            status, out_headers, payload = problem.status, problem.headers, problem.body
        except Exception as exc:  # a sandbox bug must still look like a vendor 500, not a dropped socket
            status, out_headers, payload = 500, {}, {"message": f"sandbox error: {exc!r}", "status": 500}
        if isinstance(payload, RawJson):
            data = bytes(payload)
            out_headers.setdefault("Content-Type", "application/json")
        elif isinstance(payload, (bytes, str)):
            data = payload.encode() if isinstance(payload, str) else payload
            out_headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        elif status == 204:
            data = b""
        else:
            data = json.dumps(payload, separators=(",", ":")).encode()
            out_headers.setdefault("Content-Type", "application/json")
        with self._lock:
            self.counters[f"{method} {route}"] += 1
            self.counters["requests"] += 1
            self.counters["bytes_sent"] += len(data)
            self.counters[f"status {status}"] += 1
        return status, out_headers, data

    def _routes(self) -> list[tuple[str, Callable[..., tuple[str, int, dict[str, str], Any]]]]:
        return [
            ("/genesys/login", self._genesys_login),
            ("/genesys/api", self._genesys_api),
            ("/cxone/issuer", self._cxone_issuer),
            ("/cxone/api", self._cxone_api),
            ("/cxone/files/", self._cxone_file),
            ("/_sandbox", self._control),
        ]

    def _control(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        if path == "/stats":
            return "sandbox stats", 200, {}, self.stats()
        if path == "/reset" and method == "POST":
            self.reset_stats()
            return "sandbox reset", 200, {}, {"reset": True}
        if path == "/urls":
            return "sandbox urls", 200, {}, self.urls()
        raise genesys_problem(404, "unknown sandbox control path", "not.found")

    # -- OAuth shared by both vendors --------------------------------------------------------------

    def _client_auth(self, headers: Any, form: dict[str, str], confidential: dict[str, str], public: set[str]) -> str:
        """Check client authentication; returns the client id."""
        header = headers.get("Authorization") or ""
        if header.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise oauth_problem(401, "invalid_client", "malformed Basic authorization") from None
            if confidential.get(client_id) != secret:
                raise oauth_problem(401, "invalid_client", "client authentication failed")
            return client_id
        if "client_secret" in form:
            raise oauth_problem(401, "invalid_client", "send the client secret with HTTP Basic, not in the body")
        client_id = form.get("client_id", "")
        if client_id in public:
            return client_id
        raise oauth_problem(401, "invalid_client", "client authentication required (HTTP Basic)")

    def _token_throttle(self) -> None:
        limit = self.config.token_requests_per_window
        if limit is None:
            return
        now = self.clock()
        with self._lock:
            while self._token_calls and self._token_calls[0] <= now - self.config.rate_window:
                self._token_calls.popleft()
            if len(self._token_calls) >= limit:
                self.counters["token throttled"] += 1
                raise oauth_problem(400, "invalid_request", "Rate limit exceeded for token requests")
            self._token_calls.append(now)

    def _issue(
        self, vendor: str, client_id: str, subject: str, with_refresh: bool, refresh: str | None = None
    ) -> dict[str, Any]:
        now = self.clock()
        ttl = self.config.token_ttl if vendor == "genesys" else self.config.cxone_token_ttl
        if vendor == "cxone":
            claims = {
                "iss": self.cxone_issuer,
                "sub": subject,
                "tenantId": self.config.cxone_tenant_id,
                "aud": client_id,
                "iat": int(now),
                "exp": int(now + ttl),
                "jti": secrets.token_hex(8),
            }
            access = ".".join(
                base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
                for part in ({"alg": "RS256", "typ": "JWT", "kid": "sandbox"}, claims)
            )
            access += "." + secrets.token_urlsafe(32)
        else:
            access = secrets.token_urlsafe(48)
        answer: dict[str, Any] = {"access_token": access, "token_type": "bearer", "expires_in": int(ttl)}
        with self._lock:
            self._tokens[access] = {
                "vendor": vendor,
                "client_id": client_id,
                "subject": subject,
                "expires_at": now + ttl,
            }
            if with_refresh:
                refresh = refresh or secrets.token_urlsafe(40)
                self._refresh.setdefault(
                    refresh,
                    {
                        "vendor": vendor,
                        "client_id": client_id,
                        "subject": subject,
                        "revoked": False,
                        "used": False,
                    },
                )
                answer["refresh_token"] = refresh
            self.counters[f"tokens issued {vendor}"] += 1
        if vendor == "cxone":
            answer["token_type"] = "Bearer"
            answer["id_token"] = access
        return answer

    def _token_grant(
        self, vendor: str, headers: Any, body: bytes, confidential: dict[str, str], public: set[str]
    ) -> dict[str, Any]:
        if "application/x-www-form-urlencoded" not in (headers.get("Content-Type") or ""):
            raise oauth_problem(400, "invalid_request", "the token request must be form-encoded")
        form = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        self._token_throttle()
        client_id = self._client_auth(headers, form, confidential, public)
        grant = form.get("grant_type", "")
        if vendor == "genesys" and grant == "client_credentials":
            if client_id in public:
                raise oauth_problem(400, "unauthorized_client", "public clients cannot use client_credentials")
            return self._issue(vendor, client_id, f"client:{client_id}", with_refresh=False)
        if vendor == "cxone" and grant == "password":
            if (form.get("username"), form.get("password")) != (
                self.config.cxone_access_key_id,
                self.config.cxone_access_key_secret,
            ):
                raise oauth_problem(400, "invalid_grant", "invalid access key")
            return self._issue(vendor, client_id, f"key:{form['username']}", with_refresh=True)
        if grant == "authorization_code":
            with self._lock:
                code = self._codes.pop(form.get("code", ""), None)
            if code is None or code.expires_at < self.clock() or code.client_id != client_id:
                raise oauth_problem(400, "invalid_grant", "authorization code is invalid, expired or already used")
            if code.redirect_uri != form.get("redirect_uri"):
                raise oauth_problem(400, "invalid_grant", "redirect_uri does not match the authorization request")
            if code.challenge is not None:
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if not verifier or not secrets.compare_digest(digest, code.challenge):
                    raise oauth_problem(400, "invalid_grant", "PKCE verification failed")
            elif client_id in public:
                raise oauth_problem(400, "invalid_request", "public clients must use PKCE")
            return self._issue(vendor, client_id, f"user:{self.config.test_user}", with_refresh=True)
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            rotate = vendor == "cxone" or self.config.genesys_rotate_refresh_tokens
            with self._lock:
                record = self._refresh.get(token)
                if (
                    record is None
                    or record["revoked"]
                    or record["vendor"] != vendor
                    or record["client_id"] != client_id
                    or (rotate and record["used"])
                ):
                    raise oauth_problem(400, "invalid_grant", "refresh token is invalid, revoked or already used")
                record["used"] = True
            return self._issue(
                vendor, client_id, record["subject"], with_refresh=True, refresh=None if rotate else token
            )
        raise oauth_problem(400, "unsupported_grant_type", f"grant_type '{grant}' is not supported here")

    def _authorize(
        self, query: dict[str, str], allowed: set[str], redirect_ok: Callable[[str], bool]
    ) -> tuple[int, dict[str, str], Any]:
        client_id = query.get("client_id", "")
        redirect_uri = query.get("redirect_uri", "")
        if client_id not in allowed:
            raise oauth_problem(400, "invalid_client", "unknown client_id")
        if not redirect_ok(redirect_uri):
            raise oauth_problem(400, "invalid_request", "redirect_uri is not registered for this client")
        if query.get("response_type") != "code":
            raise oauth_problem(400, "unsupported_response_type", "response_type must be 'code'")
        challenge = query.get("code_challenge")
        if challenge and query.get("code_challenge_method") != "S256":
            raise oauth_problem(400, "invalid_request", "code_challenge_method must be S256")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Grant(client_id, redirect_uri, challenge, self.clock() + 300)
        params = {"code": code}
        if "state" in query:
            params["state"] = query["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return 302, {"Location": f"{redirect_uri}{separator}{urlencode(params)}"}, b""

    @staticmethod
    def _loopback_redirect(uri: str) -> bool:
        parts = urlsplit(uri)
        return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")

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

    # -- Genesys --------------------------------------------------------------------------------------

    def _genesys_login(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        config = self.config
        if path == "/oauth/token" and method == "POST":
            answer = self._token_grant(
                "genesys",
                headers,
                body,
                {config.genesys_client_id: config.genesys_client_secret},
                {config.genesys_public_client_id},
            )
            return "genesys oauth/token", 200, {}, answer
        if path == "/oauth/authorize" and method == "GET":
            clients = {config.genesys_client_id, config.genesys_public_client_id}
            return ("genesys oauth/authorize", *self._authorize(query, clients, self._loopback_redirect))
        raise oauth_problem(404, "not_found", f"no such login endpoint {method} {path}")

    def _genesys_api(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        correlation = {"ININ-Correlation-Id": str(uuid.uuid4())}
        try:
            route, status, out, payload = self._genesys_route(method, path, query, headers, body)
        except ApiProblem as problem:
            problem.headers.update(correlation)
            raise
        return route, status, {**out, **correlation}, payload

    def _genesys_route(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        token = self._bearer("genesys", headers)
        self._rate_limit(token, "genesys")
        base = "/api/v2/analytics/conversations"
        if path == f"{base}/details/query" and method == "POST":
            return "genesys details/query", 200, {}, self._details_query(_json(body))
        if path == f"{base}/aggregates/query" and method == "POST":
            return "genesys aggregates/query", 200, {}, self._aggregates_query(_json(body))
        if path == f"{base}/details/jobs/availability" and method == "GET":
            availability = self.clock() - self.config.availability_lag
            return "genesys jobs/availability", 200, {}, {"dataAvailabilityDate": iso(availability)}
        if path == f"{base}/details/jobs" and method == "POST":
            return "genesys jobs create", 202, {}, self._create_job(_json(body))
        match = re.fullmatch(rf"{base}/details/jobs/([^/]+)(/results)?", path)
        if match:
            job_id, results = match.group(1), match.group(2)
            with self._lock:
                job = self._jobs.get(job_id)
            if job is None:
                raise genesys_problem(404, f"Job {job_id} not found", "not.found")
            if results and method == "GET":
                return "genesys jobs results", 200, {}, self._job_results(job, query)
            if not results and method == "GET":
                return "genesys jobs status", 200, {}, self._job_status(job)
            if not results and method == "DELETE":
                with self._lock:
                    job.cancelled = True
                return "genesys jobs delete", 202, {}, b""
        raise genesys_problem(404, f"Resource not found: {method} {path}", "not.found")

    def _interval(self, body: dict[str, Any], capped: bool = True) -> tuple[float, float]:
        interval = body.get("interval")
        if not interval:
            raise genesys_problem(
                400, "interval is required, as an ISO-8601 interval 'start/end'", "missing.required.property"
            )
        try:
            start, end = (parse_ts(part) for part in str(interval).split("/", 1))
        except ValueError:
            raise genesys_problem(400, f"Invalid interval: {interval}", "invalid.value") from None
        if end <= start:
            raise genesys_problem(400, "The interval end must be after its start", "invalid.value")
        if capped and end - start > self.config.max_interval_days * 86400:
            raise genesys_problem(
                400,
                f"The interval exceeds the maximum of {self.config.max_interval_days:g} days",
                "invalid.value",
            )
        return start, end

    def _details_query(self, body: dict[str, Any]) -> RawJson:
        start, end = self._interval(body)
        paging = body.get("paging") or {}
        size, number = int(paging.get("pageSize", 25)), int(paging.get("pageNumber", 1))
        if not 1 <= size <= self.config.max_page_size:
            raise genesys_problem(400, f"pageSize must be between 1 and {self.config.max_page_size}", "invalid.value")
        if number < 1:
            raise genesys_problem(400, "pageNumber must be at least 1", "invalid.value")
        if number * size > self.config.result_cap:
            raise genesys_problem(400, f"Pagination may not exceed {self.config.result_cap} results", "invalid.value")
        indexes = self.data.conversations_overlapping(start, end)
        now = self.clock() if self.data.changes_late else None  # late changes: the truth as of now
        if now is not None:
            indexes = [i for i in indexes if self.data.conv_starts[i] <= now]
        if body.get("order") == "desc":
            indexes.reverse()
        page = indexes[(number - 1) * size : number * size]
        return self._conversations_page(page, {"totalHits": len(indexes)}, now)

    def _conversations_page(self, page: list[int], fields: dict[str, Any], as_of: float | None = None) -> RawJson:
        """``{"conversations": [...], **fields}`` from cached JSON (no ``conversations`` key when empty)."""
        tail = json.dumps(fields, separators=(",", ":"))[1:]
        if not page:
            return RawJson(b"{" + tail.encode())
        items = b",".join(self.data.conversation_json(i, as_of) for i in page)
        return RawJson(b'{"conversations":[' + items + b"]" + (b"," + tail.encode() if fields else b"}"))

    def _aggregates_query(self, body: dict[str, Any]) -> dict[str, Any]:
        start, end = self._interval(body)
        metrics = body.get("metrics")
        if not isinstance(metrics, list) or not metrics:
            raise genesys_problem(400, "metrics is required", "missing.required.property")
        group_by = body.get("groupBy") or []
        allowed = {"queueId", "mediaType", "userId", "direction"}
        if not set(group_by) <= allowed:
            raise genesys_problem(400, f"Unsupported groupBy: {sorted(set(group_by) - allowed)}", "invalid.value")
        granularity = body.get("granularity")
        if granularity:
            try:
                parse_duration(granularity)
            except ValueError:
                raise genesys_problem(400, f"Invalid granularity: {granularity}", "invalid.value") from None
        return {"results": self.data.aggregates(start, end, granularity, list(group_by), list(metrics))}

    def _create_job(self, body: dict[str, Any]) -> dict[str, Any]:
        start, end = self._interval(body, capped=False)
        job = _Job(
            str(uuid.uuid4()),
            start,
            end,
            self.clock(),
            self.config.job_seconds,
            query=body,
            availability=self.clock() - self.config.availability_lag,
        )
        with self._lock:
            if self._next_job_outcome:
                job.outcome = self._next_job_outcome.pop(0)
            self._jobs[job.job_id] = job
        return {"jobId": job.job_id}

    def _genesys_job_state(self, job: _Job) -> str:
        age = self.clock() - job.created
        if job.cancelled:
            return "CANCELLED"
        if age < job.duration / 2:
            return "QUEUED"
        if age < job.duration:
            return "PENDING"
        if job.outcome == "EXPIRED" or age > job.duration + self.config.job_expire_seconds:
            return "EXPIRED"
        return job.outcome

    def _job_status(self, job: _Job) -> dict[str, Any]:
        state = self._genesys_job_state(job)
        answer = {
            "state": state,
            "submissionDate": iso(job.created),
            "expirationDate": iso(job.created + job.duration + self.config.job_expire_seconds),
        }
        if state == "FULFILLED":
            answer["completionDate"] = iso(job.created + job.duration)
        if state == "FAILED":
            answer["errorMessage"] = "The job failed in the sandbox (scripted)"
        return answer

    def _job_results(self, job: _Job, query: dict[str, str]) -> RawJson:
        state = self._genesys_job_state(job)
        if state != "FULFILLED":
            raise genesys_problem(
                400, f"Job {job.job_id} is {state}; results are available once FULFILLED", "bad.request"
            )
        size = min(int(query.get("pageSize", 1000)), 10_000)
        offset = 0
        if query.get("cursor"):
            try:
                offset = int(base64.urlsafe_b64decode(query["cursor"].encode()).decode())
            except ValueError:
                raise genesys_problem(400, "Invalid cursor", "invalid.value") from None
        indexes = [
            i
            for i in self.data.conversations_overlapping(job.start, job.end)
            if self.data.conv_starts[i] < job.availability
        ]
        page = indexes[offset : offset + size]
        if offset + len(page) > self.config.genesys_job_result_cap:
            raise genesys_problem(
                400, f"Pagination may not exceed {self.config.genesys_job_result_cap} results", "bad.request"
            )
        fields: dict[str, Any] = {}
        if offset + size < len(indexes):
            fields["cursor"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        return self._conversations_page(page, fields, job.created if self.data.changes_late else None)

    # -- CXone ------------------------------------------------------------------------------------------

    def _cxone_issuer(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        config = self.config
        issuer = self.cxone_issuer
        if path == "/.well-known/openid-configuration":
            return (
                "cxone discovery",
                200,
                {},
                {
                    "issuer": issuer,
                    "token_endpoint": f"{issuer}/auth/token",
                    "authorization_endpoint": f"{issuer}/auth/authorize",
                    "jwks_uri": f"{issuer}/auth/jwks",
                    "grant_types_supported": ["authorization_code", "refresh_token", "password"],
                    "code_challenge_methods_supported": ["S256"],
                },
            )
        if path == "/.well-known/cxone-configuration":
            if query.get("tenantId") != config.cxone_tenant_id:
                raise ApiProblem(404, {"error": "not_found", "message": "unknown tenantId"})
            return (
                "cxone configuration",
                200,
                {},
                {"api_endpoint": self.cxone_api_url, "area": "na1", "tenantId": config.cxone_tenant_id},
            )
        if path == "/auth/token" and method == "POST":
            answer = self._token_grant(
                "cxone",
                headers,
                body,
                {config.cxone_client_id: config.cxone_client_secret},
                {config.cxone_public_client_id},
            )
            return "cxone auth/token", 200, {}, answer
        if path == "/auth/authorize" and method == "GET":
            clients = {config.cxone_client_id, config.cxone_public_client_id}
            return ("cxone auth/authorize", *self._authorize(query, clients, self._loopback_redirect))
        raise ApiProblem(404, {"error": "not_found", "message": f"no such endpoint {method} {path}"})

    def _cxone_api(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        token = self._bearer("cxone", headers)
        self._rate_limit(token, "cxone")
        if path == "/inContactAPI/services/v34.0/contacts/completed" and method == "GET":
            status, payload = self._completed_contacts(query)
            return "cxone contacts/completed", status, {}, payload
        if path == "/data-extraction/v1/jobs" and method == "POST":
            job_id = self._create_extraction(_json(body))
            shape = self.config.cxone_create_answer
            answer = RawJson(json.dumps(job_id).encode()) if shape == "string" else {shape: job_id}
            return "cxone extraction create", 202, {}, answer
        reports = "/inContactAPI/services/v34.0/report-jobs"
        if path.startswith(f"{reports}/"):
            return self._report_jobs(method, path[len(reports) + 1 :], query)
        match = re.fullmatch(r"/data-extraction/v1/jobs/([^/]+)", path)
        if match:
            with self._lock:
                job = self._extractions.get(match.group(1))
            if job is None:
                raise ApiProblem(404, {"error": "NotFound", "message": "job not found"})
            if method == "GET":
                return "cxone extraction status", 200, {}, self._extraction_view(job)
            if method == "PUT" and _json(body).get("status") == "CANCELLED":
                with self._lock:
                    job["cancelled"] = True
                return "cxone extraction cancel", 202, {}, b""
        raise ApiProblem(404, {"error": "NotFound", "message": f"no such endpoint {method} {path}"})

    #: the sandbox's one custom report: completed contacts as CSV
    REPORT_ID = "1001"
    #: a documented Data Extraction entity and the version public code uses; the sandbox serves contact-like
    #: rows for every entity (SANDBOX: the real entity's columns differ)
    EXTRACTION_ENTITY = ("recording-interaction-metadata", "7")

    def contact_record(self, index: int, as_of: float | None = None) -> dict[str, Any]:
        """A completed contact as this sandbox serves it (``cxone_contact_fields``) at ``as_of`` (None: final)."""
        return self.data.contact_as(index, self.config.cxone_contact_fields, as_of)

    def _cased(self, state: str) -> str:
        case = self.config.cxone_status_case
        if case is None:
            return state
        return {"upper": state.upper(), "title": state.title(), "lower": state.lower()}[case]

    def _report_jobs(self, method: str, rest: str, query: dict[str, str]) -> tuple[str, int, dict[str, str], Any]:
        if method == "POST":
            if rest != self.REPORT_ID:
                raise ApiProblem(404, {"error": "NotFound", "message": f"report {rest} not found"})
            try:
                start, end = parse_ts(query["startDate"]), parse_ts(query["endDate"])
            except (KeyError, ValueError):
                raise ApiProblem(
                    400, {"error": "InvalidRequest", "message": "startDate and endDate are required"}
                ) from None
            job_id = str(len(self._reports) + 9000)
            with self._lock:
                outcome = self._next_job_outcome.pop(0) if self._next_job_outcome else "Finished"
                self._reports[job_id] = {
                    "start": start,
                    "end": end,
                    "created": self.clock(),
                    "outcome": outcome,
                    "cancelled": False,
                }
            return "cxone report create", 202, {}, {"jobId": job_id}
        job_id, _, tail = rest.partition("/")
        with self._lock:
            job = self._reports.get(job_id)
        if job is None:
            raise ApiProblem(404, {"error": "NotFound", "message": f"report job {job_id} not found"})
        if method == "GET" and tail == "file":
            encoded = base64.b64encode(self._contacts_csv(job["start"], job["end"]).encode()).decode()
            return "cxone report file", 200, {}, {"files": {"fileName": f"report-{job_id}.csv", "file": encoded}}
        if method == "GET" and not tail:
            state = self._extraction_status(job, running="Running", cancelled="Cancelled")
            result: dict[str, Any] = {"jobId": job_id, "state": self._cased(state)}
            if state.upper() == "FINISHED":
                result["resultFileURL"] = f"{self.cxone_api_url}/inContactAPI/services/v34.0/report-jobs/{job_id}/file"
            return "cxone report status", 200, {}, {"jobResult": result}
        if method == "DELETE" and not tail:
            with self._lock:
                job["cancelled"] = True
            return "cxone report cancel", 202, {}, b""
        raise ApiProblem(404, {"error": "NotFound", "message": f"no such endpoint {method} report-jobs/{rest}"})

    def _completed_contacts(self, query: dict[str, str]) -> tuple[int, Any]:
        try:
            start, end = parse_ts(query["startDate"]), parse_ts(query["endDate"])
        except (KeyError, ValueError):
            raise ApiProblem(
                400,
                {"error": "InvalidRequest", "message": "startDate and endDate are required ISO-8601 dates"},
            ) from None
        try:
            skip, top = int(query.get("skip", 0)), int(query.get("top", 10_000))
        except ValueError:
            raise ApiProblem(400, {"error": "InvalidRequest", "message": "skip and top must be integers"}) from None
        top = min(max(top, 1), self.config.cxone_max_top)
        now = self.clock()
        visible = [
            i
            for i in self.data.contacts_started(start, end)
            if self.data.contact_settles_at(i, self.config.settle_seconds) <= now
        ]
        if "updatedSince" in query:
            since = parse_ts(query["updatedSince"])
            visible = [i for i in visible if parse_ts(self.data.contact(i, now)["lastUpdateTime"]) > since]
        page = visible[skip : skip + top]
        if not page:
            return 204, b""
        links: dict[str, str] = {"self": self._contacts_link(query, skip, top)}
        if skip + top < len(visible):
            links["next"] = self._contacts_link(query, skip + top, top)
        if skip > 0:
            links["previous"] = self._contacts_link(query, max(0, skip - top), top)
        return 200, {
            "totalRecords": len(visible),
            "lastPollTime": iso(now),
            "_links": links,
            "completedContacts": [self.contact_record(i, now) for i in page],
        }

    def _contacts_link(self, query: dict[str, str], skip: int, top: int) -> str:
        params = {**query, "skip": str(skip), "top": str(top)}
        return f"{self.cxone_api_url}/inContactAPI/services/v34.0/contacts/completed?{urlencode(params)}"

    def _create_extraction(self, body: dict[str, Any]) -> str:
        missing = [key for key in ("entityName", "version", "startDate", "endDate") if not body.get(key)]
        if missing:
            raise ApiProblem(400, {"error": "InvalidRequest", "message": f"missing fields: {missing}"})
        try:
            start, end = parse_ts(body["startDate"]), parse_ts(body["endDate"])
        except ValueError:
            raise ApiProblem(400, {"error": "InvalidRequest", "message": "invalid startDate/endDate"}) from None
        if self.config.cxone_strict_entities and body["entityName"] not in KNOWN_EXTRACTION_ENTITIES:
            raise ApiProblem(400, {"error": "InvalidRequest", "message": f"Unknown entity '{body['entityName']}'"})
        now = self.clock()
        busy = self.config.cxone_busy_status
        with self._lock:
            wait = self._last_extraction_create + self.config.extraction_create_interval - now
            if wait > 0:  # GUESS at the 403 body: no public text is known
                self.counters["cxone create throttled"] += 1
                if busy == 403:
                    raise ApiProblem(
                        403,
                        {"error": "Forbidden", "message": "Too many requests: one job per 30 seconds. Try again later"},
                    )
                self.counters["429 sent"] += 1
                raise ApiProblem(
                    429,
                    {"error": "TooManyRequests", "message": "Only one job may be created every 30 seconds"},
                    {"Retry-After": str(max(1, math.ceil(wait)))},
                )
            running = [j for j in self._extractions.values() if self._extraction_status(j) == "RUNNING"]
            if running:
                self.counters["cxone create refused running"] += 1
                raise ApiProblem(
                    busy,
                    {
                        "error": "Forbidden" if busy == 403 else "Conflict",
                        "message": "A data extraction job is already running for this tenant",
                    },
                )
            self._last_extraction_create = now
            job_id = str(uuid.uuid4())
            outcome = self._next_job_outcome.pop(0) if self._next_job_outcome else "SUCCEEDED"
            self._extractions[job_id] = {
                "id": job_id,
                "entity": body["entityName"],
                "start": start,
                "end": end,
                "created": now,
                "outcome": outcome,
                "cancelled": False,
            }
        return job_id

    def _extraction_status(self, job: dict[str, Any], running: str = "RUNNING", cancelled: str = "CANCELLED") -> str:
        """The state of a CXone job (extraction or report: each API spells its states its own way)."""
        if job["cancelled"]:
            return cancelled
        if self.clock() - job["created"] < self.config.extraction_seconds:
            return running
        return str(job["outcome"])

    def _contacts_csv(self, start: float, end: float) -> str:
        """The contacts that started in [start, end) as CSV, as extraction and report files carry them."""
        out = io.StringIO()
        variant = self.config.cxone_contact_fields
        fields = list(self.data.contact_as(0, variant)) if self.data.contact_starts else list(CONTACT_FIELDS)
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for index in self.data.contacts_started(start, end):
            writer.writerow(self.data.contact_as(index, variant))
        return out.getvalue()

    def _extraction_view(self, job: dict[str, Any]) -> dict[str, Any]:
        status = self._extraction_status(job).upper()
        shown: dict[str, Any] = {
            self.config.cxone_job_id_field: job["id"],
            "status": self._cased(status),
            "entityName": job["entity"],
        }
        result: dict[str, Any] = {}
        if status == "SUCCEEDED":
            name = secrets.token_urlsafe(16)
            with self._lock:
                self._files[name] = (job["id"], self.clock() + self.config.result_url_ttl)
            result["url"] = f"{self.base_url}/cxone/files/{name}?X-Amz-Expires={int(self.config.result_url_ttl)}"
        if status == "FAILED":
            where = result if self.config.cxone_error_message_in == "result" else shown
            where["errorMessage"] = "The extraction failed in the sandbox (scripted)"
        if result:
            shown["result"] = result
        return {"jobStatus": shown}

    def _cxone_file(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[str, int, dict[str, str], Any]:
        with self._lock:
            entry = self._files.get(path.strip("/"))
        if entry is None or entry[1] < self.clock():
            return (
                "cxone file",
                403,
                {"Content-Type": "application/xml"},
                ('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>'),
            )
        if headers.get("Authorization"):
            return (
                "cxone file",
                400,
                {"Content-Type": "application/xml"},
                (
                    '<?xml version="1.0"?><Error><Code>InvalidArgument</Code>'
                    "<Message>Only one auth mechanism allowed</Message></Error>"
                ),
            )
        with self._lock:
            job = self._extractions[entry[0]]
        return (
            "cxone file",
            200,
            {"Content-Type": "text/csv; charset=utf-8"},
            self._contacts_csv(job["start"], job["end"]),
        )


def _json(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        raise genesys_problem(400, "The request body is not valid JSON", "bad.request") from None
    if not isinstance(value, dict):
        raise genesys_problem(400, "The request body must be a JSON object", "bad.request")
    return value


def _make_handler(sandbox: Sandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ccanalytics-sandbox"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read counters instead
            return

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fault = sandbox._take_fault(self.command, parts.path)
            if sandbox.config.latency:
                time.sleep(sandbox.config.latency)
            if fault is not None and fault.truncate is not None:
                self._serve_cut(fault, parts, body)
                return
            if fault is not None and fault.echo_request:
                echoed = "".join(f"{name}: {value}\r\n" for name, value in self.headers.items())
                text = f"rejected request {self.command} {parts.path}\r\n{echoed}\r\n{body.decode(errors='replace')}"
                fault.body = {"error": "invalid_request", "error_description": text, "message": text}
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)
                if fault.drop:
                    with sandbox._lock:
                        sandbox.counters["dropped"] += 1
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault.status is not None:
                    if isinstance(fault.body, str):  # a raw body, e.g. a proxy's HTML page
                        payload, content_type = fault.body.encode(), "text/html; charset=utf-8"
                    else:
                        default = {"message": f"scripted fault {fault.status}", "status": fault.status}
                        payload, content_type = json.dumps(fault.body or default).encode(), "application/json"
                    with sandbox._lock:  # counted before the client can see the answer
                        sandbox.counters[f"fault {fault.status}"] += 1
                        if fault.status == 429:
                            sandbox.counters["429 sent"] += 1
                    self.send_response(fault.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    if fault.retry_after is not None:
                        self.send_header("Retry-After", str(fault.retry_after))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
            query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
            status, headers, data = sandbox.handle(self.command, parts.path, query, self.headers, body)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)

        def _serve_cut(self, fault: Fault, parts: Any, body: bytes) -> None:
            """The real answer (it takes effect), its body cut short; then close or reset the connection."""
            query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
            status, headers, data = sandbox.handle(self.command, parts.path, query, self.headers, body)
            cut = data[: int(len(data) * (fault.truncate or 0.0))]
            with sandbox._lock:  # counted before the client can see the answer
                sandbox.counters["fault reset" if fault.reset else "fault truncated"] += 1
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(cut) if fault.short_body else len(data)))
            self.end_headers()
            self.wfile.write(cut)
            self.wfile.flush()
            self.close_connection = True
            if fault.reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif not fault.short_body:
                self.connection.shutdown(socket.SHUT_RDWR)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    return Handler
