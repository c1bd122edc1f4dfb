"""OAuth grants: client credentials, CXone access key, authorization code + PKCE, refresh token."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from airflow_provider_ccanalytics.core.auth.tokens import Token
from airflow_provider_ccanalytics.core.clock import Clock, system_clock
from airflow_provider_ccanalytics.core.errors import (
    CcAnalyticsError,
    ConfigurationError,
    InvalidClientError,
    InvalidGrantError,
    ServerError,
    TokenEndpointThrottledError,
    TokenError,
)
from airflow_provider_ccanalytics.core.http import (
    RETRYABLE_SERVER_STATUSES,
    HttpTransport,
    json_body,
    parse_retry_after,
)


def oauth_error_from_response(response: requests.Response, method: str) -> CcAnalyticsError:
    """Translate a token endpoint's error into a typed error; throttling is retryable, never 'bad credentials'."""
    body = json_body(response)
    error = str(body.get("error") or "")
    description = str(body.get("error_description") or body.get("errorDescription") or body.get("description") or "")
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if status == 429 or (status == 400 and error == "invalid_request"):
        return TokenEndpointThrottledError(
            error or "too_many_requests",
            description or "the token endpoint is throttling (or the request is malformed)",
            status,
            retry_after=retry_after,
            hint="Tokens are cached and shared per connection; if this persists, fewer workers should start at once",
        )
    if status in RETRYABLE_SERVER_STATUSES:
        return ServerError(status, description or response.reason or "token endpoint error", method=method)
    if error in ("invalid_client", "unauthorized_client") or (status == 401 and not error):
        return InvalidClientError(
            error or "invalid_client",
            description,
            status,
            hint="Check the connection's client id and client secret (Login and Password), and that the OAuth "
            "client is allowed this grant type",
        )
    if error == "invalid_grant":
        return InvalidGrantError(error, description, status)
    return TokenError(error or f"http_{status}", description, status)


@dataclass
class TokenEndpoint:
    """A token endpoint and the OAuth client that talks to it.

    A client without a secret is a public client: it sends ``client_id`` in the form and no
    Basic header (PKCE is then its only proof).

    :param url: the token endpoint URL.
    :param client_id: the OAuth client id.
    :param client_secret: the OAuth client secret, or None for a public client.
    """

    url: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)

    def request_token(
        self,
        transport: HttpTransport,
        form: dict[str, str],
        clock: Clock = system_clock,
        previous_refresh: str | None = None,
    ) -> Token:
        """POST a grant and return the token.

        :param form: the grant's form fields (URL-encoded by requests, never by hand).
        :param previous_refresh: kept when the answer has no new refresh token.
        """
        form = dict(form)
        auth: tuple[str, str] | None = None
        if self.client_secret:
            auth = (self.client_id, self.client_secret)
            transport.redactor.add_basic(self.client_id, self.client_secret)
        else:
            form["client_id"] = self.client_id
        for name in SECRET_FORM_FIELDS:  # a token endpoint's error may echo the request: mask every form first
            transport.redactor.add(form.get(name))
        now = clock()
        response = transport.request(
            "POST",
            self.url,
            data=form,
            auth=auth,
            headers={"Accept": "application/json"},
            error_mapper=oauth_error_from_response,
            ok=(200,),
            paced=False,
        )
        body: dict[str, Any] = json_body(response)
        if "access_token" not in body:
            raise TokenError("invalid_response", "the token endpoint's answer has no access_token", 200)
        token = Token.from_response(body, now, previous_refresh=previous_refresh)
        for secret in (token.access_token, token.refresh_token, body.get("id_token")):
            transport.redactor.add(secret)
        return token


#: form fields of the grants that hold secrets
SECRET_FORM_FIELDS = ("password", "refresh_token", "code", "code_verifier", "client_secret")


def client_credentials_form(scopes: str | None = None) -> dict[str, str]:
    """The client-credentials grant (Genesys machine-to-machine)."""
    form = {"grant_type": "client_credentials"}
    if scopes:
        form["scope"] = scopes
    return form


def access_key_form(access_key_id: str, access_key_secret: str) -> dict[str, str]:
    """CXone's access-key grant: the password grant with the key id and secret as username/password."""
    return {"grant_type": "password", "username": access_key_id, "password": access_key_secret}


def refresh_token_form(refresh_token: str) -> dict[str, str]:
    """The refresh-token grant."""
    return {"grant_type": "refresh_token", "refresh_token": refresh_token}


def authorization_code_form(code: str, redirect_uri: str, code_verifier: str) -> dict[str, str]:
    """Exchange an authorization code, proving possession of the PKCE verifier."""
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }


@dataclass(frozen=True)
class Pkce:
    """A PKCE pair (RFC 7636, S256)."""

    verifier: str = field(repr=False)
    challenge: str

    @classmethod
    def generate(cls) -> Pkce:
        verifier = secrets.token_urlsafe(64)[:96]
        return cls(verifier=verifier, challenge=s256_challenge(verifier))


def s256_challenge(verifier: str) -> str:
    """The S256 code challenge of a verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class AuthorizationRequest:
    """One interactive login: the authorize URL, its state, and its PKCE verifier.

    :param authorize_url: the vendor's authorization endpoint.
    :param client_id: the OAuth client id.
    :param redirect_uri: where the browser is sent back to.
    :param scopes: space-separated scopes, or None for the client's defaults.
    """

    authorize_url: str
    client_id: str
    redirect_uri: str
    scopes: str | None = None
    state: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    pkce: Pkce = field(default_factory=Pkce.generate)

    def url(self) -> str:
        """The URL to open in a browser."""
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "state": self.state,
            "code_challenge": self.pkce.challenge,
            "code_challenge_method": "S256",
        }
        if self.scopes:
            query["scope"] = self.scopes
        return f"{self.authorize_url}?{urlencode(query)}"

    def code_from_redirect(self, redirect_url: str) -> str:
        """The code in the redirect URL, after checking its ``state``.

        :raises ConfigurationError: when the state does not match, or the server sent an error.
        """
        params = parse_qs(urlsplit(redirect_url).query)
        if "error" in params:
            description = params.get("error_description", [""])[0]
            raise ConfigurationError("redirect", f"the login was refused: {params['error'][0]} {description}")
        state = params.get("state", [""])[0]
        if not secrets.compare_digest(state, self.state):
            raise ConfigurationError(
                "state",
                "the redirect's state does not match this login (a stale or forged redirect); log in again",
            )
        code = params.get("code", [""])[0]
        if not code:
            raise ConfigurationError("redirect", "the redirect URL carries no 'code' parameter")
        return code

    def exchange(
        self,
        endpoint: TokenEndpoint,
        transport: HttpTransport,
        code: str,
        clock: Callable[[], float] = system_clock,
    ) -> Token:
        """Exchange the code (with the PKCE verifier) for tokens."""
        return endpoint.request_token(
            transport, authorization_code_form(code, self.redirect_uri, self.pkce.verifier), clock
        )
