"""Typed rows from vendor CSV files (CXone Data Extraction and report jobs).

CSV carries only text. :func:`typed_row` turns each value into the JSON type it evidently is,
by one documented rule, so a column of counts is written as numbers and a flag as a boolean:

- an empty cell becomes ``None``;
- a column named like an identifier (``id``, ``contactId``, ``agent_id``, ``ID``...) stays text
  (ids such as ``000123`` or 20-digit numbers must not change), except an empty cell;
- ``true`` / ``false`` (any case) become booleans;
- an integer without a leading zero (``0``, ``-12``, ``600000001``) within 64 bits becomes an ``int``;
- a decimal without a leading zero (``0.5``, ``-12.250``) of at most 15 significant digits becomes a
  ``float`` (it prints back to the same text at its number of decimals, so nothing is lost);
- everything else (dates, ``007``, ``1e5``, ``NaN``, text) stays text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

_INTEGER = re.compile(r"-?(?:0|[1-9]\d*)")
_DECIMAL = re.compile(r"-?(?:0|[1-9]\d*)\.(\d+)")
_INT64 = 2**63


def is_id_column(name: str) -> bool:
    """Whether ``name`` names an identifier (kept as text): ``id``, ``contactId``, ``agent_id``, ``skill ID``."""
    name = name.strip()
    return bool(re.search(r"(?:^|[_\W])id$", name, re.IGNORECASE) or re.search(r"[a-z0-9](?:Id|ID)$", name))


def typed_value(text: str | None, column: str = "") -> Any:
    """One CSV cell as its JSON type (see the module docstring for the rule).

    :param text: the cell (None for a missing trailing cell).
    :param column: the column name (identifier columns stay text).
    """
    if text is None or text == "":
        return None
    if column and is_id_column(column):
        return text
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if _INTEGER.fullmatch(text):
        number = int(text)
        return number if -_INT64 <= number < _INT64 else text
    decimal = _DECIMAL.fullmatch(text)
    if decimal and len(text.lstrip("-").replace(".", "").lstrip("0")) <= 15:
        value = float(text)
        if f"{value:.{len(decimal.group(1))}f}" == text:
            return value
    return text


def typed_row(row: dict[str, str | None]) -> dict[str, Any]:
    """A ``csv.DictReader`` row with typed values (column order kept)."""
    return {column: typed_value(value, column) for column, value in row.items()}


def typed_rows(rows: Iterable[dict[str, str | None]]) -> Iterator[dict[str, Any]]:
    """Typed rows, streaming."""
    for row in rows:
        yield typed_row(row)
