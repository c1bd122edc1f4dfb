"""Token lifecycle: cache against a clock, refresh before expiry, share across threads and processes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from airflow_provider_ccanalytics.core.auth.grants import TokenEndpoint, refresh_token_form
from airflow_provider_ccanalytics.core.auth.runtime import TokenSlot, connection_runtime, forget_runtimes
from airflow_provider_ccanalytics.core.auth.tokens import Token, TokenStore
from airflow_provider_ccanalytics.core.clock import Clock, system_clock
from airflow_provider_ccanalytics.core.errors import (
    CcAnalyticsError,
    InvalidGrantError,
    ReauthorizationRequired,
)
from airflow_provider_ccanalytics.core.http import HttpTransport

log = logging.getLogger("airflow_provider_ccanalytics")


#: the default leeway: 60 s, at most a tenth of the token's lifetime. A client that renews a share ``s`` of the
#: lifetime early makes 1 / (1 - s) token requests per lifetime: 1.11 here (half would make it 2)
DEFAULT_LEEWAY, DEFAULT_LEEWAY_SHARE = 60.0, 0.1
#: a leeway that is set is honoured up to this share of the lifetime (so a token is never fetched for every request)
MAX_LEEWAY_SHARE = 0.5


@dataclass
class TokenManagerSettings:
    """Knobs of the token lifecycle.

    :param leeway: seconds before expiry at which a token is renewed, at most half the token's lifetime (None:
        the default, 60 s but at most a tenth of the lifetime, so a short-lived token is fetched about once per
        lifetime, not for every request).
    :param rotation_wait: seconds to wait for another worker's rotated refresh token to reach the store.
    :param failure_memo: seconds for which a token request that spent its whole retry budget is answered with
        the same error, so the threads and sub-windows of one task do not each spend a budget of their own
        on a throttled or unreachable token endpoint.
    """

    leeway: float | None = None
    rotation_wait: float = 3.0
    failure_memo: float = 60.0


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
    :param legacy_keys: older store keys whose refresh token (never the access token) may seed delegated access.
    :param shared: share the token with other managers of ``key`` in this process (False: a private
        token, e.g. for a connection test that must prove the credentials).
    :param slot: where the token is cached in this process (default: the connection runtime's of ``key``
        when ``shared``, else a private one).
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
        shared: bool = True,
        legacy_keys: tuple[str, ...] = (),
        slot: TokenSlot | None = None,
    ) -> None:
        self.key = key
        self.endpoint = endpoint
        self.transport = transport
        self.store = store
        self._grant_form = grant_form
        self._connection_refresh = refresh_token
        self.conn_id = conn_id
        self.login_command = login_command
        self.legacy_keys = legacy_keys
        self.settings = settings or TokenManagerSettings()
        self.clock = clock
        self._on_secret = on_secret
        self._announced: set[str] = set()
        self._slot = slot or (connection_runtime(key).tokens if shared else TokenSlot())
        self._lock = self._slot.lock

    def token(self) -> Token:
        """A token valid for at least ``leeway`` more seconds."""
        with self._lock:
            cached = self._slot.token
            if cached and self._usable(cached):
                return self._masked(cached)  # another manager in this process obtained it: mask it here too
            stored = self._load()
            if stored and self._usable(stored):
                return self._use_stored(stored)
            failed = self._slot.failure
            if failed is not None and time.monotonic() - failed[0] < self.settings.failure_memo:
                raise failed[1]  # this task already spent a budget on it moments ago
            try:
                if self._grant_form is not None:
                    return self._adopt(self._request(self._grant_form))
                return self._refresh(stored)
            except CcAnalyticsError as error:
                if getattr(error, "budget_exhausted", False):  # throttled or unreachable for a whole budget
                    self._slot.failure = (time.monotonic(), error)
                raise

    def authorization(self) -> str:
        return f"Bearer {self.token().access_token}"

    def reauthenticate(self, rejected: str) -> None:
        """Forget the token the API refused; the next call renews it (stored copies included)."""
        with self._lock:
            cached = self._slot.token
            if cached and f"Bearer {cached.access_token}" == rejected:
                self._slot.token = None
            stored = self._load()
            if stored and f"Bearer {stored.access_token}" == rejected:
                self.store.save(self.key, stored.without_access())

    def _usable(self, token: Token) -> bool:
        leeway, share = self.settings.leeway, MAX_LEEWAY_SHARE
        if leeway is None:
            leeway, share = DEFAULT_LEEWAY, DEFAULT_LEEWAY_SHARE
        if token.lifetime:
            leeway = min(leeway, token.lifetime * share)
        return bool(token.access_token) and not token.expires_within(leeway, self.clock())

    def _masked(self, token: Token) -> Token:
        """``token`` after passing its secrets to ``on_secret`` (once per manager)."""
        for secret in (token.access_token, token.refresh_token):
            if secret and secret not in self._announced:
                self._announced.add(secret)
                self._on_secret(secret)
        return token

    def _load(self) -> Token | None:
        """The stored token, its secrets masked as soon as they are read."""
        token = self.store.load(self.key)
        return None if token is None else self._masked(token)

    def _legacy_refresh(self) -> str | None:
        """A refresh token stored under an older key (before keys carried a credential fingerprint). Safe to
        try: the refresh grant authenticates the client, so other credentials cannot use it."""
        for key in self.legacy_keys:
            old = self.store.load(key)
            if old is not None and old.refresh_token:
                log.info("Using the refresh token stored under the older key %s", key)
                return self._masked(old).refresh_token
        return None

    def _use_stored(self, token: Token) -> Token:
        """A token another process (or an earlier run) obtained and stored (already masked): use it as it is."""
        self._slot.token = token
        return token

    def _adopt(self, token: Token) -> Token:
        """A token this manager just obtained: mask it, store it, then use it."""
        self._masked(token)
        self.store.save(self.key, token)  # before first use: a rotated refresh token must not be lost
        self._slot.token = token
        log.info(
            "Obtained a new access token for %s (valid %.0f s)",
            self.conn_id or self.key,
            token.expires_at - self.clock(),
        )
        return token

    def _request(self, form: dict[str, str], previous_refresh: str | None = None) -> Token:
        return self.endpoint.request_token(self.transport, form, self.clock, previous_refresh)

    def _refresh(self, stored: Token | None) -> Token:
        """Refresh with the newest refresh token. When it is refused, another worker may have rotated it:
        wait briefly for that worker's result in the store, else try its newer refresh token, then the
        connection's; only when all are dead does a person have to log in again."""
        first = (stored.refresh_token if stored else None) or self._legacy_refresh() or self._connection_refresh
        if not first:
            raise ReauthorizationRequired(self.conn_id, self.login_command, "no refresh token stored yet")
        tried: set[str] = set()
        refused: InvalidGrantError | None = None

        def attempt(refresh_token: str) -> Token | None:
            nonlocal refused
            tried.add(refresh_token)
            try:
                return self._adopt(self._request(refresh_token_form(refresh_token), refresh_token))
            except InvalidGrantError as error:
                refused = error
                return None

        token = attempt(first)
        if token is None:
            log.info("Refresh token refused; checking the store for a newer one")
        deadline = time.monotonic() + self.settings.rotation_wait
        while token is None:
            latest = self._load()
            if latest and latest.refresh_token and latest.refresh_token not in tried:
                if self._usable(latest):
                    return self._use_stored(latest)
                token = attempt(latest.refresh_token)
            elif time.monotonic() < deadline:
                time.sleep(0.1)
            else:
                break
        if token is None and self._connection_refresh and self._connection_refresh not in tried:
            token = attempt(self._connection_refresh)
        if token is None:
            assert refused is not None
            raise ReauthorizationRequired(self.conn_id, self.login_command, refused.description or refused.error)
        return token


def forget_process_tokens() -> None:
    """Drop this process's shared tokens, limiters and discovery (tests use it to act like a fresh process)."""
    forget_runtimes()
