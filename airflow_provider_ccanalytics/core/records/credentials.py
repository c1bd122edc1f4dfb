"""Fields that hold credentials, dropped from dimension snapshots before anything is written or logged.

NICE's spec gives each agent an ``apiKey`` (calljacob/nice-cxone-api ``src/services/admin/AdminAgentsService.ts``,
``getAgents``); a snapshot that wrote every field would put such a value in the data lake. A field is dropped,
at any depth, when its name (lower case, letters and digits only) contains a word of
:data:`CREDENTIAL_NAME_WORDS`, or equals a name the connection adds (extra ``credential_fields``). Only the
names of dropped fields are ever counted or logged, never their values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

#: the documented deny-list: parts of a field name that mark it as a credential
CREDENTIAL_NAME_WORDS = (
    "apikey",
    "password",
    "passwd",
    "secret",
    "accesstoken",
    "refreshtoken",
    "bearertoken",
    "privatekey",
    "accesskey",
    "credential",
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _plain(name: str) -> str:
    return _NOT_ALNUM.sub("", name.lower())


class CredentialFilter:
    """Drops credential-like fields from records.

    :param extra_names: more field names to drop (exact names, any case), e.g. from a connection setting.
    """

    def __init__(self, extra_names: Iterable[str] = ()) -> None:
        self.extra = frozenset(_plain(name) for name in extra_names if name.strip())
        #: the names dropped so far (never their values)
        self.dropped: set[str] = set()

    def is_credential(self, name: str) -> bool:
        """Whether a field of this name is dropped."""
        plain = _plain(name)
        return plain in self.extra or any(word in plain for word in CREDENTIAL_NAME_WORDS)

    def clean(self, value: Any) -> Any:
        """``value`` without credential fields, at any depth (a new object; ``value`` is not changed)."""
        if isinstance(value, dict):
            kept = {}
            for name, item in value.items():
                if self.is_credential(str(name)):
                    self.dropped.add(str(name))
                    continue
                kept[name] = self.clean(item)
            return kept
        if isinstance(value, list):
            return [self.clean(item) for item in value]
        return value


def names_setting(value: Any) -> list[str]:
    """A connection setting listing field names: a list, or text separated by commas (None: none)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part) for part in value]
