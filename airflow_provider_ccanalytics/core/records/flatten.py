"""Flattening nested records into related tables (``layout="tables"``), keyed by dataset.

A :class:`Flattener` names its tables (the first is the *root*: one row per record, so its row count is the
partition's record count) and turns one record into ``(table, row)`` pairs, each row carrying its parent
keys. Datasets that are already row-shaped (aggregates, CXone rows) have a one-table flattener whose row
is the record (:data:`AS_IS`). Vendor packages declare theirs (e.g. :mod:`..genesys.flatten`); the registry
(:func:`airflow_provider_ccanalytics.core.catalog.flattener_for`) finds them by dataset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError

Row = dict[str, Any]


@dataclass(frozen=True)
class Flattener:
    """How one dataset's records become table rows.

    :param tables: the table names, root first (each a folder under the partition).
    :param rows: yields ``(table, row)`` for one record.
    """

    tables: tuple[str, ...]
    rows: Callable[[Row], Iterator[tuple[str, Row]]]

    @property
    def root(self) -> str:
        return self.tables[0]


def check_layout(layout: str) -> str:
    """``layout`` if it is ``records`` or ``tables``; a ConfigurationError otherwise."""
    if layout not in LAYOUTS:
        raise ConfigurationError("layout", f"{layout!r} is not one of {LAYOUTS}")
    return layout


LAYOUTS = ("records", "tables")


def _as_is(record: Row) -> Iterator[tuple[str, Row]]:
    yield "rows", record


def without(record: Row, *names: str) -> Row:
    """``record`` less the fields ``names`` (a child list that becomes a table of its own)."""
    return {key: value for key, value in record.items() if key not in names}


#: the flattener of a dataset that declares none: one table named ``rows`` holding the records as they are
AS_IS = Flattener(("rows",), _as_is)
