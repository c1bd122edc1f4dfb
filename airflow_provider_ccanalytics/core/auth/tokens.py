"""Token values and the TokenStore interface that lets tokens outlive a process."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol


@dataclass(frozen=True)
class Token:
    """An OAuth token with an absolute expiry.

    :param access_token: the bearer token.
    :param expires_at: seconds since the epoch (UTC) when it stops working.
    :param refresh_token: the refresh token, for delegated access.
    :param token_type: normally ``bearer``.
    :param issued_at: seconds since the epoch when it was requested (0: unknown, e.g. an older record).
    """

    access_token: str = field(repr=False)
    expires_at: float
    refresh_token: str | None = field(default=None, repr=False)
    token_type: str = "bearer"
    issued_at: float = 0.0

    @classmethod
    def from_response(cls, body: Mapping[str, Any], now: float, previous_refresh: str | None = None) -> Token:
        """Build a token from a token endpoint's JSON answer.

        :param body: the JSON body (``access_token``, ``expires_in``, maybe ``refresh_token``).
        :param now: the clock reading when the request was sent.
        :param previous_refresh: kept when the answer carries no new refresh token.
        """
        expires_in = float(body.get("expires_in") or 3600)
        return cls(
            access_token=str(body["access_token"]),
            expires_at=now + expires_in,
            refresh_token=body.get("refresh_token") or previous_refresh,
            token_type=str(body.get("token_type") or "bearer"),
            issued_at=now,
        )

    @property
    def lifetime(self) -> float | None:
        """Seconds between issue and expiry, when known."""
        return self.expires_at - self.issued_at if self.issued_at > 0 else None

    def expires_within(self, seconds: float, now: float) -> bool:
        """True when the token expires in less than ``seconds`` from ``now``."""
        return self.expires_at - now < seconds

    def without_access(self) -> Token:
        """This token with its access token marked expired (the refresh token kept)."""
        return replace(self, expires_at=0.0)

    def to_record(self) -> dict[str, Any]:
        """A JSON-able record for a TokenStore."""
        return {
            "access_token": self.access_token,
            "expires_at": self.expires_at,
            "refresh_token": self.refresh_token,
            "token_type": self.token_type,
            "issued_at": self.issued_at,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Token:
        """Inverse of :meth:`to_record`."""
        return cls(
            access_token=str(record.get("access_token") or ""),
            expires_at=float(record.get("expires_at") or 0.0),
            refresh_token=record.get("refresh_token"),
            token_type=str(record.get("token_type") or "bearer"),
            issued_at=float(record.get("issued_at") or 0.0),
        )


class TokenStore(Protocol):
    """Where tokens live between processes. Implementations must be safe to call from threads."""

    def load(self, key: str) -> Token | None:
        """The stored token for ``key``, or None."""
        ...

    def save(self, key: str, token: Token) -> None:
        """Replace the stored token for ``key``."""
        ...


class MemoryTokenStore:
    """A TokenStore in this process only: for tests and one-off scripts, never for a cluster."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()
        self.saves = 0

    def load(self, key: str) -> Token | None:
        with self._lock:
            return self._tokens.get(key)

    def save(self, key: str, token: Token) -> None:
        with self._lock:
            self._tokens[key] = token
            self.saves += 1
