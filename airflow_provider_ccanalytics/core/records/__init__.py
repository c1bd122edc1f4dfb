"""What a record becomes: typed column declarations, the ``tables`` layout's machinery, CSV typing.

``schemas.py`` has :class:`Column` and :class:`DatasetSchema` with one constructor per column type
(``string("id")``, ``timestamp("startTime")``...); ``flatten.py`` the :class:`Flattener` that turns a nested
record into related tables; ``csvrows.py`` the typing of CSV text (CXone extraction and report files).
A new output column goes in the vendor package's ``schemas.py`` or ``endpoints.py``, built with these.

May import: the foundation and ``core.partitions``."""

from __future__ import annotations

from airflow_provider_ccanalytics.core.records.credentials import (
    CREDENTIAL_NAME_WORDS,
    CredentialFilter,
    names_setting,
)
from airflow_provider_ccanalytics.core.records.csvrows import (
    conform_rows,
    is_id_column,
    typed_row,
    typed_rows,
    typed_value,
)
from airflow_provider_ccanalytics.core.records.flatten import AS_IS, Flattener, Row, check_layout, without
from airflow_provider_ccanalytics.core.records.schemas import (
    EXTRA,
    TYPES,
    Column,
    ColumnKind,
    Columns,
    DatasetSchema,
    boolean,
    check_columns,
    columns,
    float64,
    int64,
    json_text,
    string,
    string_list,
    timestamp,
)

__all__ = [
    "AS_IS",
    "CREDENTIAL_NAME_WORDS",
    "EXTRA",
    "TYPES",
    "Column",
    "ColumnKind",
    "Columns",
    "CredentialFilter",
    "DatasetSchema",
    "Flattener",
    "Row",
    "boolean",
    "check_columns",
    "check_layout",
    "columns",
    "conform_rows",
    "float64",
    "int64",
    "is_id_column",
    "json_text",
    "names_setting",
    "string",
    "string_list",
    "timestamp",
    "typed_row",
    "typed_rows",
    "typed_value",
    "without",
]
