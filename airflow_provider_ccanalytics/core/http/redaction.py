"""Secrets and every form of them that can reach a log: raw, URL-encoded, JSON-escaped, in a Basic header.

The :class:`Redactor` is the one sink for secrets: it passes each form to a callback (Airflow's
``mask_secret`` in the hooks) and scrubs vendor text before it goes into an exception or a log.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable
from urllib.parse import quote, quote_plus

MASK = "***"
#: control characters (C0 but tab, DEL, C1) and the bidi overrides: vendor text never reaches a log or terminal raw
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\x1b``, ``\\n``): an ANSI escape or a forged log line from a
    vendor's message is shown, never obeyed."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


#: shorter values are not secrets worth scrubbing (and would mangle ordinary text)
MIN_LENGTH = 5


def basic_credentials(client_id: str, secret: str) -> str:
    """The token68 of ``Authorization: Basic`` for a client id and secret (as requests builds it)."""
    return base64.b64encode(f"{client_id}:{secret}".encode("latin1", errors="replace")).decode("ascii")


def derived_forms(secret: str) -> set[str]:
    """The forms a secret takes on the wire and in echoed text: raw, form- and URL-encoded, JSON-escaped."""
    forms = {secret, quote_plus(secret), quote(secret, safe=""), json.dumps(secret)[1:-1]}
    forms |= {form.lower() for form in forms if "%" in form}  # some servers echo lower-case escapes
    return {form for form in forms if len(form) >= MIN_LENGTH}


class Redactor:
    """Collects secrets (and their derived forms) and removes them from text.

    :param on_secret: called once with each new form (e.g. Airflow's ``mask_secret``).
    """

    def __init__(self, on_secret: Callable[[str], None] | None = None) -> None:
        self._forms: set[str] = set()
        self._lock = threading.Lock()
        self._on_secret = on_secret

    def add(self, secret: str | None) -> None:
        """Register a secret; its derived forms are masked too."""
        if secret:
            self._register(derived_forms(str(secret)))

    def add_basic(self, client_id: str, secret: str) -> None:
        """Register the Basic credentials of an OAuth client (the base64 a token endpoint may echo)."""
        self.add(secret)
        self._register({basic_credentials(client_id, secret)})

    def _register(self, forms: set[str]) -> None:
        with self._lock:
            new = forms - self._forms
            self._forms |= new
        if self._on_secret is not None:
            for form in sorted(new):
                self._on_secret(form)

    def redact(self, text: str) -> str:
        """``text`` with every known secret form replaced by ``***`` (longest first)."""
        with self._lock:
            forms = sorted(self._forms, key=len, reverse=True)
        for form in forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def scrub(self, error: BaseException) -> BaseException:
        """Redact an exception's message and text attributes in place, control characters escaped; returns it."""
        for name in ("message", "description"):
            value = getattr(error, name, None)
            if isinstance(value, str):
                setattr(error, name, printable(self.redact(value)))
        error.args = tuple(printable(self.redact(arg)) if isinstance(arg, str) else arg for arg in error.args)
        return error
