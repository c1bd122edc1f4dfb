"""The one rule that types CSV cells (CXone Data Extraction and report rows)."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_ccanalytics.core.records import is_id_column, typed_row, typed_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("true", True),
        ("FALSE", False),
        ("True", True),
        ("0", 0),
        ("-12", -12),
        ("600000001", 600000001),
        ("1.50", 1.5),
        ("-0.25", -0.25),
        ("007", "007"),  # a leading zero: a code, not a number
        ("00.5", "00.5"),
        ("1e5", "1e5"),
        ("NaN", "NaN"),
        ("12345678901234567890", "12345678901234567890"),  # beyond 64 bits
        ("1.1234567890123456", "1.1234567890123456"),  # more digits than a float keeps
        ("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"),
        ("yes", "yes"),
    ],
)
def test_a_cell_becomes_the_type_it_evidently_is(text: str, expected: Any) -> None:
    value = typed_value(text, "value")
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("column", ["id", "ID", "contactId", "masterContactId", "agent_id", "skill ID", "mediaTypeId"])
def test_identifier_columns_stay_text(column: str) -> None:
    assert is_id_column(column)
    assert typed_value("000123", column) == "000123" and typed_value("42", column) == "42"
    assert typed_value("", column) is None


@pytest.mark.parametrize("column", ["Valid", "paid", "Idle", "guid", "holdTime"])
def test_words_ending_in_id_letters_are_not_identifiers(column: str) -> None:
    assert not is_id_column(column)


def test_a_row_keeps_its_column_order() -> None:
    row = typed_row({"contactId": "7", "abandoned": "false", "seconds": "12.5", "note": None})
    assert list(row.items()) == [("contactId", "7"), ("abandoned", False), ("seconds", 12.5), ("note", None)]
