"""The default TokenStore: one Airflow Variable per connection (Fernet-encrypted at rest).

Inside a task or the triggerer it goes through the Task SDK (``airflow.sdk.Variable``); in a
CLI such as ``ccanalytics-login`` it uses the metadata database directly.
"""

from __future__ import annotations

import json
import logging

from airflow_provider_ccanalytics.compat import get_variable, set_variable
from airflow_provider_ccanalytics.core.auth import Token

#: the description Airflow shows beside the Variables this module writes
_DESCRIPTION = "OAuth tokens of airflow-provider-ccanalytics (managed; do not edit)"

log = logging.getLogger("airflow_provider_ccanalytics")


#: the Variable name prefix when the connection's ``token_variable_prefix`` extra is unset
DEFAULT_TOKEN_PREFIX = "ccanalytics_token_"


class VariableTokenStore:
    """Tokens in Airflow Variables named ``{prefix}{key}``, so every worker and the triggerer share them.

    :param prefix: the Variable name prefix.
    """

    def __init__(self, prefix: str = DEFAULT_TOKEN_PREFIX) -> None:
        self.prefix = prefix

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def load(self, key: str) -> Token | None:
        raw = get_variable(self.name(key))
        if not raw:
            return None
        try:
            return Token.from_record(json.loads(raw))
        except (ValueError, TypeError):
            log.warning("Ignoring unreadable token record in Variable %s", self.name(key))
            return None

    def save(self, key: str, token: Token) -> None:
        set_variable(self.name(key), json.dumps(token.to_record()), _DESCRIPTION)
