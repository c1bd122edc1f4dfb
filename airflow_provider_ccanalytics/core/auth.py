"""Token lifecycle: cache against a clock, refresh before expiry, share across threads and processes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from airflow_provider_ccanalytics.core.clock import Clock, system_clock
from airflow_provider_ccanalytics.core.errors import InvalidGrantError, ReauthorizationRequired
from airflow_provider_ccanalytics.core.grants import TokenEndpoint, refresh_token_form
from airflow_provider_ccanalytics.core.tokens import Token, TokenStore
from airflow_provider_ccanalytics.core.transport import HttpTransport

log = logging.getLogger("airflow_provider_ccanalytics")

# One lock and one cached token per store key in this process, so threads with their own
# hook objects still share a token (the store is the cache shared between processes).
_process_tokens: dict[str, Token] = {}
_process_locks: dict[str, threading.Lock] = {}
_registry_lock = threading.Lock()


def _lock_for(key: str) -> threading.Lock:
    with _registry_lock:
        return _process_locks.setdefault(key, threading.Lock())


@dataclass
class TokenManagerSettings:
    """Knobs of the token lifecycle.

    :param leeway: seconds before expiry at which a token is renewed.
    :param rotation_wait: seconds to wait for another worker's rotated refresh token to reach the store.
    """

    leeway: float = 60.0
    rotation_wait: float = 3.0


class TokenManager:
    """Gives out a valid access token for one connection; an :class:`Authenticator` for the transport.

    Machine-to-machine managers run ``grant_form`` (client credentials or access key) whenever
    a new token is needed. Delegated managers (``grant_form`` None) refresh with the newest
    refresh token: the store's, else the connection's. A rotated refresh token is saved before
    the new access token is used.

    :param key: the store key, one per connection.
    :param endpoint: the token endpoint and OAuth client.
    :param transport: the shared request path.
    :param store: where tokens outlive this process.
    :param grant_form: the machine-to-machine grant's form, or None for delegated access.
    :param refresh_token: the connection's refresh token (seed for delegated access).
    :param conn_id: named in errors.
    :param login_command: the command that restores delegated access, named in errors.
    :param on_secret: called with each new secret (e.g. Airflow's ``mask_secret``).
    """

    def __init__(
        self,
        *,
        key: str,
        endpoint: TokenEndpoint,
        transport: HttpTransport,
        store: TokenStore,
        grant_form: dict[str, str] | None = None,
        refresh_token: str | None = None,
        conn_id: str = "",
        login_command: str = "",
        settings: TokenManagerSettings | None = None,
        clock: Clock = system_clock,
        on_secret: Callable[[str], None] = lambda _secret: None,
    ) -> None:
        self.key = key
        self.endpoint = endpoint
        self.transport = transport
        self.store = store
        self._grant_form = grant_form
        self._connection_refresh = refresh_token
        self.conn_id = conn_id
        self.login_command = login_command
        self.settings = settings or TokenManagerSettings()
        self.clock = clock
        self._on_secret = on_secret
        self._lock = _lock_for(key)
        self.token_requests = 0

    @property
    def delegated(self) -> bool:
        return self._grant_form is None

    def token(self) -> Token:
        """A token valid for at least ``leeway`` more seconds."""
        with self._lock:
            cached = _process_tokens.get(self.key)
            if cached and self._usable(cached):
                return cached
            stored = self.store.load(self.key)
            if stored and self._usable(stored):
                self._on_secret(stored.access_token)
                _process_tokens[self.key] = stored
                return stored
            return self._renew(stored)

    def authorization(self) -> str:
        return f"Bearer {self.token().access_token}"

    def reauthenticate(self, rejected: str) -> None:
        """Forget the token the API refused; the next call renews it (stored copies included)."""
        with self._lock:
            cached = _process_tokens.get(self.key)
            if cached and f"Bearer {cached.access_token}" == rejected:
                _process_tokens.pop(self.key, None)
            stored = self.store.load(self.key)
            if stored and f"Bearer {stored.access_token}" == rejected:
                self.store.save(self.key, stored.without_access())

    def _usable(self, token: Token) -> bool:
        return bool(token.access_token) and not token.expires_within(self.settings.leeway, self.clock())

    def _renew(self, stored: Token | None) -> Token:
        token = self._request(self._grant_form) if self._grant_form is not None else self._refresh(stored)
        self._on_secret(token.access_token)
        if token.refresh_token:
            self._on_secret(token.refresh_token)
        self.store.save(self.key, token)  # before first use: a rotated refresh token must not be lost
        _process_tokens[self.key] = token
        log.info(
            "Obtained a new access token for %s (valid %.0f s)",
            self.conn_id or self.key,
            token.expires_at - self.clock(),
        )
        return token

    def _request(self, form: dict[str, str], previous_refresh: str | None = None) -> Token:
        self.token_requests += 1
        return self.endpoint.request_token(self.transport, form, self.clock, previous_refresh)

    def _refresh(self, stored: Token | None) -> Token:
        refresh = (stored.refresh_token if stored else None) or self._connection_refresh
        if not refresh:
            raise ReauthorizationRequired(self.conn_id, self.login_command, "no refresh token stored yet")
        tried = {refresh}
        try:
            return self._request(refresh_token_form(refresh), refresh)
        except InvalidGrantError as first_error:
            log.info("Refresh token refused (%s); checking the store for a newer one", first_error.error)
            return self._recover_after_refused_refresh(tried, first_error)

    def _recover_after_refused_refresh(self, tried: set[str], error: InvalidGrantError) -> Token:
        """Another worker may have rotated the refresh token: use its result, or its newer refresh token."""
        deadline = time.monotonic() + self.settings.rotation_wait
        while True:
            stored = self.store.load(self.key)
            if stored and stored.refresh_token and stored.refresh_token not in tried:
                if self._usable(stored):
                    return stored
                tried.add(stored.refresh_token)
                try:
                    return self._request(refresh_token_form(stored.refresh_token), stored.refresh_token)
                except InvalidGrantError as again:
                    error = again
            if time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        if self._connection_refresh and self._connection_refresh not in tried:
            tried.add(self._connection_refresh)
            try:
                return self._request(refresh_token_form(self._connection_refresh), self._connection_refresh)
            except InvalidGrantError as again:
                error = again
        raise ReauthorizationRequired(self.conn_id, self.login_command, error.description or error.error)


def forget_process_tokens(key: str | None = None) -> None:
    """Drop this process's cached token for ``key`` (all of them when None)."""
    with _registry_lock:
        if key is None:
            _process_tokens.clear()
            _process_locks.clear()
        else:
            _process_tokens.pop(key, None)
            _process_locks.pop(key, None)
