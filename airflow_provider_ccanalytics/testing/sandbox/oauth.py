"""OAuth for both vendors: client authentication, token grants, authorization codes, the login/issuer routes.

Sources: Genesys: ``POST /oauth/token`` on the login host with HTTP Basic client authentication
(client credentials, authorization code, PKCE for public clients, refresh), ``/oauth/authorize``, throttling of
the token endpoint as 400 ``invalid_request``. NICE CXone: OpenID discovery (``.well-known/openid-configuration``),
``/auth/token`` with ``grant_type=password`` and an access key (or a code with PKCE, or a refresh token: it rotates),
``.well-known/cxone-configuration`` for the API base. Both from the vendors' developer docs and official SDKs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from airflow_provider_ccanalytics.testing.sandbox.base import SandboxBase
from airflow_provider_ccanalytics.testing.sandbox.problems import ApiProblem, oauth_problem


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    challenge: str | None
    expires_at: float


class OAuthMixin(SandboxBase):
    """Token and authorization endpoints (Genesys login, CXone issuer)."""

    _codes: dict[str, _Grant]

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
