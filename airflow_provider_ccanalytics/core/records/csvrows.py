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

A dataset with a declared schema (:mod:`airflow_provider_ccanalytics.core.records.schemas`) then gets its declared
columns converted by :func:`conform_rows`: ``bool`` from ``true``/``false``/``1``/``0``, ``int64``/``float64``
from numbers or numeric text, ``timestamp`` as ISO-8601 UTC text ``2026-01-01T00:00:00.000Z`` (a value without
offset read as UTC), ``string`` as text (ids such as ``600000001`` too). A value that does not convert is
kept as it is (typed Parquet then puts it in ``_extra``), so a surprising cell never fails a run.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

from airflow_provider_ccanalytics.core.partitions import iso_z
from airflow_provider_ccanalytics.core.records.schemas import DatasetSchema

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


_TRUTH = {"true": True, "false": False, "1": True, "0": False}


def _as_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (str, int)) and str(value).lower() in _TRUTH:
        return _TRUTH[str(value).lower()]
    raise ValueError(value)


def _as_int(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    return int(value)


def _as_float(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(value)
    return float(value)


def _as_timestamp(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip()
    moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    if moment.tzinfo is None:  # GUESS: CXone's CSV files carry UTC times
        moment = moment.replace(tzinfo=timezone.utc)
    return iso_z(moment)


def _as_string(value: Any) -> Any:
    if isinstance(value, (dict, list, bool)):
        raise ValueError(value)
    return value if isinstance(value, str) else str(value)


_DECLARED: dict[str, Callable[[Any], Any]] = {
    "bool": _as_bool,
    "int64": _as_int,
    "float64": _as_float,
    "timestamp": _as_timestamp,
    "string": _as_string,
}


def conform_rows(rows: Iterable[dict[str, Any]], schema: DatasetSchema) -> Iterator[dict[str, Any]]:
    """Rows (text or already typed) with the declared columns converted to their type (see the module docstring).

    :param rows: typed rows (:func:`typed_rows`) or ``csv.DictReader`` rows.
    :param schema: the dataset's declared schema (columns it does not declare keep their value).
    """
    converters = {column.name: _DECLARED[column.type] for column in schema.columns if column.type in _DECLARED}
    for row in rows:
        out = {}
        for name, value in row.items():
            convert = converters.get(name)
            if convert is not None and value is not None and value != "":
                with contextlib.suppress(ValueError, TypeError):  # kept as it is: typed Parquet puts it in _extra
                    value = convert(value)
            out[name] = None if value == "" else value
        yield out
