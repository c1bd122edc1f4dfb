"""Reading CXone reporting records as public sources show them: ISO-8601 durations, both casings, string values.

Sources: NICE's published spec (calljacob/nice-cxone-api ``src/services/reporting/ReportingReportingService.ts``)
types durations such as ``averageHandleTime`` and ``totalAvgHandleTime`` as strings and writes
``skills/sla-summary`` records PascalCase (``SkillId``, ``ContactsWithinSLA``); singer-io/tap-nice-incontact reads
real tenants where every value is a string (``tests/test_convert_data_types.py``), durations ISO-8601
(``"PT7M15.643S"``, ``"P1DT19H18M29.651S"``: ``tests/test_transform_iso8601_durations.py``) or seconds
(``"averageHandleTime": "101"``), and sla-summary records camelCase (``schemas/skills_sla_summary.json``).

:func:`summary_rows` turns one such record into the typed row the declaration's schema describes: names in
camelCase, durations in seconds (the vendor's text kept under ``iso8601Durations``, which typed output puts in
``_extra``), numbers and booleans from their text. The duration grammar is parsed here by hand (a regular
expression of a dozen characters) rather than with ``isodate`` (what the tap uses), which would be a new
dependency for one pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from airflow_provider_ccanalytics.core.records import Columns

#: the key under which a row keeps the vendor's duration text (not a declared column: typed output's ``_extra``)
DURATION_TEXT_KEY = "iso8601Durations"
# PnDTnHnMn.nS (weeks and years/months never appear in a contact-centre duration: such text is left as it is)
_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_INTEGER = re.compile(r"^-?\d+$")
_UNITS = (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0), ("seconds", 1.0))


def parse_duration(text: str) -> float | None:
    """Seconds of an ISO-8601 duration (``PT7M15.643S`` -> 435.643, ``PT0S`` -> 0.0); None if ``text`` is not one.

    :param text: the vendor's value.
    """
    match = _DURATION.match(text.strip())
    if match is None or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        return None
    seconds = sum(float(match[name]) * factor for name, factor in _UNITS if match[name])
    return round(-seconds if match["sign"] else seconds, 6)


def camel_name(name: str) -> str:
    """``SkillId`` -> ``skillId``, ``ContactsWithinSLA`` -> ``contactsWithinSLA`` (camelCase names unchanged)."""
    return name[:1].lower() + name[1:] if name[:1].isupper() and not name[:2].isupper() else name


def _typed(value: Any, kind: str) -> Any:
    """``value`` as column type ``kind`` when its text reads as one; else as it is (typed output's ``_extra``)."""
    if isinstance(value, str):
        text = value.strip()
        if kind == "int64" and _INTEGER.match(text):
            return int(text)
        if kind == "float64":
            try:
                return float(text)
            except ValueError:
                return value
        if kind == "bool" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        return value
    if kind == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # ids as strings, like completed contacts' (the tables join on equal types)
    if kind == "float64" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def summary_rows(schema: Columns, durations: Iterable[str]) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    """The ``rows`` function of a CXone reporting declaration.

    :param schema: the declaration's typed columns.
    :param durations: the columns that hold durations (seconds in the row; ISO-8601 or seconds from the vendor).
    """
    kinds = {column.name: column.type for column in schema}
    duration_names = frozenset(durations)

    def rows(record: dict[str, Any]) -> list[dict[str, Any]]:
        row: dict[str, Any] = {}
        texts: dict[str, str] = {}
        for raw_name, value in record.items():
            name = camel_name(raw_name)
            if name in duration_names and isinstance(value, str):
                seconds = parse_duration(value)
                if seconds is not None:
                    texts[name] = value
                    value = seconds
            row[name] = _typed(value, kinds[name]) if name in kinds else value
        if texts:
            row[DURATION_TEXT_KEY] = texts
        return [row]

    return rows
