"""Typed column declarations: what a dataset's rows look like once written as typed output.

A schema is a tuple of :class:`Column` values built with one constructor per type (``string``, ``int64``,
``float64``, ``boolean``, ``timestamp``, ``json_text``, ``string_list``: ``columns(string("id", "name"),
int64("version"))``), so a misspelt type is a name error and an editor can follow every column. Types are neutral
names (no pyarrow here; :mod:`airflow_provider_ccanalytics.outputs.typed` maps them to Arrow): ``string``,
``int64``, ``float64``, ``bool``, ``timestamp`` (an instant, UTC, microseconds), ``json`` (any value, kept as JSON
text) and ``list<string>``. Every typed output also has an ``_extra`` column: the JSON object of the fields a record
had outside the declared columns, and of values that did not fit their column's type, so a new vendor field never
fails a run (the manifest counts them). Each vendor package declares its datasets' schemas; the registry
(:mod:`airflow_provider_ccanalytics.core.catalog`) finds them by name.

**Schema evolution** (what keeps every partition readable as one table):

- a declared schema may only *grow*: new columns are added, nullable, at the end, and the dataset's
  ``version`` goes up by one; a reader of the union gets nulls for the new column in older partitions;
- a column's type never changes and a column is never removed or renamed; a change of meaning needs a
  new dataset name (e.g. ``conversation_details_v2``);
- a field first seen in ``_extra`` is promoted by declaring it (older partitions keep it in ``_extra``).

Names are dataset names as operators write them (``conversation_details``); a flattened table is
``<dataset>/<table>`` (``conversation_details/segments``); a declared endpoint's is ``vendor.dataset``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from airflow_provider_ccanalytics.core.errors import ConfigurationError

ColumnType = Literal["string", "int64", "float64", "bool", "timestamp", "json", "list<string>"]
TYPES: tuple[str, ...] = get_args(ColumnType)
#: the column that holds what the declared columns do not
EXTRA = "_extra"


@dataclass(frozen=True)
class Column:
    """One declared column.

    :param name: the field name as the vendor spells it (``conversationStart``).
    :param type: one of :data:`TYPES`.
    :param doc: what it holds (shown in the README).
    """

    name: str
    type: ColumnType
    doc: str = ""

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ConfigurationError("schema", f"column {self.name!r}: type {self.type!r} is not one of {TYPES}")


Columns = tuple[Column, ...]


@dataclass(frozen=True)
class ColumnKind:
    """One column type as a constructor: ``string("id", "name")`` declares two text columns, in that order.

    :param type: the neutral type name (one of :data:`TYPES`).
    """

    type: ColumnType

    def __call__(self, *names: str) -> Columns:
        """Columns of this type, one per name, in the order given."""
        return tuple(Column(name, self.type) for name in names)


string = ColumnKind("string")  #: text
int64 = ColumnKind("int64")  #: whole numbers (counts, milliseconds)
float64 = ColumnKind("float64")  #: decimals (averages, ratios)
boolean = ColumnKind("bool")  #: true/false
timestamp = ColumnKind("timestamp")  #: an instant, UTC, microseconds
json_text = ColumnKind("json")  #: any value (an object, a list of objects), kept as JSON text
string_list = ColumnKind("list<string>")  #: a list of strings (ids)


def columns(*groups: Columns) -> Columns:
    """One schema's columns from groups built with the kinds above, in order.

    :param groups: e.g. ``string("id", "name"), json_text("division"), int64("version")``.
    """
    return tuple(column for group in groups for column in group)


@dataclass(frozen=True)
class DatasetSchema:
    """The declared columns of a dataset (or one table of a flattened layout), in order.

    :param name: ``<dataset>``, ``<dataset>/<table>`` or ``vendor.dataset``.
    :param version: goes up by one each time columns are added (see the module docstring).
    :param columns: the declared columns.
    """

    name: str
    version: int
    columns: Columns = field(default_factory=tuple)

    def __post_init__(self) -> None:
        check_columns(self.name, self.columns)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def check_columns(owner: str, declared: Columns) -> None:
    """Refuse anything but a flat tuple of :class:`Column` (a nested group is the usual slip: join groups with
    :func:`columns`).

    :param owner: the schema or endpoint declaring them (named in the error).
    :param declared: the declared columns.
    """
    wrong = [item for item in declared if not isinstance(item, Column)]
    if wrong:
        raise ConfigurationError(
            "schema",
            f"{owner}: columns must be Column values, got {wrong[0]!r}; join groups with "
            'columns(string("id", "name"), int64("version"))',
        )
