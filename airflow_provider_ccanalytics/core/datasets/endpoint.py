"""One way to add an endpoint: each is declared once, as an :class:`Endpoint`; reading it follows from that.

A declaration says the vendor, the dataset name (the output folder), path and method, the paging style, the
key of the records list, how records map to partitions, its typed columns and which settings and operator
options apply. The generic operators (``GenesysEntitiesOperator``, ``CxoneEntitiesOperator``,
``CxoneReportingOperator``...) and the README's endpoint table (:func:`...catalog.docs_table`) are derived from
the declarations in each vendor package's ``endpoints`` module, which the registry (:mod:`...catalog`) reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.http import PAGING_STYLES, PageRequest, Paginator, paginator_for
from airflow_provider_ccanalytics.core.partitions import Window, iso_z, parse_instant
from airflow_provider_ccanalytics.core.records import Columns, check_columns

if TYPE_CHECKING:
    from airflow_provider_ccanalytics.core.http import ApiClient

#: how records map to partitions: ``snapshot`` (the whole list, one dated ``snapshot_date=`` partition per run),
#: ``by_time`` (each row into the window partition holding its ``time_field``; rows outside the window are
#: dropped, so a row seen by two overlapping queries is kept once), ``queried_window`` (each window partition
#: holds what the endpoint answers for that window: summaries)
PARTITION_KINDS = ("snapshot", "by_time", "queried_window")

Rows = Callable[[dict[str, Any]], Iterable[dict[str, Any]]]


@dataclass(frozen=True)
class Endpoint:
    """One vendor endpoint, declared once.

    :param vendor: ``genesys`` or ``cxone``.
    :param dataset: the dataset name: the operator's ``entity``/``report`` argument and the output folder.
    :param path: the path below the API base URL.
    :param records_key: the key of the records list in each answer.
    :param method: ``GET`` or ``POST``.
    :param paging: one of :data:`PAGING_STYLES`.
    :param partition: one of :data:`PARTITION_KINDS`.
    :param time_field: for ``by_time``: the row field (ISO instant) that places a row in a partition.
    :param window_params: query parameters that carry the window's start and end (CXone ``startDate``/``endDate``).
    :param window_body: the body field that carries the window as ``start/end`` (Genesys ``interval``).
    :param params: fixed query parameters (e.g. ``state=any``).
    :param options: operator arguments that become query parameters when given (e.g. ``expand``).
    :param settings: connection settings that apply (``page_size``).
    :param page_size: the page size asked for.
    :param rows: turns one API record into output rows (default: the record itself).
    :param key: the fields that identify a row (tests and docs: each row is written once).
    :param columns: the output columns (docs; default: the names of ``schema``).
    :param schema: the typed columns (:mod:`...records.schemas`), registered under :attr:`name` so typed
        Parquet types them; fields outside it land in ``_extra``.
    :param schema_version: raise it when adding columns to ``schema``.
    :param doc: one line for the README's table.
    :param guess: what about the shape is a GUESS (no public source), or "".
    """

    vendor: str
    dataset: str
    path: str
    records_key: str
    method: str = "GET"
    paging: str = "platform"
    partition: str = "snapshot"
    time_field: str | None = None
    window_params: tuple[str, str] | None = None
    window_body: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    options: tuple[str, ...] = ()
    settings: tuple[str, ...] = ("page_size",)
    page_size: int = 100
    rows: Rows | None = None
    key: tuple[str, ...] = ("id",)
    columns: tuple[str, ...] = ()
    schema: Columns = ()
    schema_version: int = 1
    doc: str = ""
    guess: str = ""

    def __post_init__(self) -> None:
        if self.paging not in PAGING_STYLES:
            raise ValueError(f"{self.name}: paging {self.paging!r} is not one of {PAGING_STYLES}")
        if self.partition not in PARTITION_KINDS:
            raise ValueError(f"{self.name}: partition {self.partition!r} is not one of {PARTITION_KINDS}")
        if self.partition == "by_time" and not self.time_field:
            raise ValueError(f"{self.name}: a by_time endpoint needs time_field")
        check_columns(self.name, self.schema)

    @property
    def name(self) -> str:
        """``vendor.dataset``: the endpoint's name in the registry."""
        return f"{self.vendor}.{self.dataset}"

    @property
    def column_names(self) -> tuple[str, ...]:
        """The output columns: ``columns``, else the names of ``schema``."""
        return self.columns or tuple(column.name for column in self.schema)

    @property
    def windowed(self) -> bool:
        return self.partition != "snapshot"

    def paginator(self, page_size: int | None = None) -> Paginator:
        """A fresh paginator of this endpoint's style."""
        return paginator_for(self.paging, page_size or self.page_size)

    def request(
        self,
        window: Window | None = None,
        options: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> PageRequest:
        """The first page's request: fixed params, the given options, the window where the endpoint takes one."""
        unknown = sorted(set(options or {}) - set(self.options))
        if unknown:
            raise ConfigurationError(
                "options", f"{self.name} takes no option {unknown}; it takes {list(self.options) or 'none'}"
            )
        params = {**self.params, **{k: _param(v) for k, v in (options or {}).items() if v not in (None, "", [])}}
        json = {**(body or {})} if self.method == "POST" else None
        if window is not None and self.window_params:
            params[self.window_params[0]], params[self.window_params[1]] = iso_z(window.start), iso_z(window.end)
        if window is not None and self.window_body and json is not None:
            json[self.window_body] = window.interval()
        return PageRequest(self.method, self.path, params=params, json=json)

    def to_rows(self, record: dict[str, Any]) -> Iterable[dict[str, Any]]:
        return self.rows(record) if self.rows is not None else (record,)

    def in_window(self, row: dict[str, Any], window: Window) -> bool:
        """Whether a row belongs to ``window``'s partition (always, unless partitioned ``by_time``)."""
        if self.partition != "by_time" or self.time_field is None:
            return True
        return window.contains(parse_instant(row[self.time_field], self.time_field))


def _param(value: Any) -> Any:
    # guess: a list option (Genesys `expand`, a list[str] in the SDK) is sent comma-separated, the form Genesys'
    # own examples use (`expand=skills,groups`); the repeated-parameter form is not known to be needed
    return ",".join(str(item) for item in value) if isinstance(value, (list, tuple)) else value


def iter_endpoint(
    client: ApiClient,
    endpoint: Endpoint,
    window: Window | None = None,
    *,
    options: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
    page_size: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Every output row of ``endpoint`` (for ``window`` where it takes one), paging as declared.

    :param client: the vendor's client (its transport, auth and error mapping).
    :param options: values of the endpoint's declared ``options`` (query parameters).
    :param body: extra JSON body fields for a POST endpoint (filters).
    :param page_size: the page size (default: the declaration's).
    """
    request = endpoint.request(window, options, body)
    paginator = endpoint.paginator(page_size)
    label = endpoint.name if window is None else f"{endpoint.name} {window.label()}"
    for _body, records in client.pages(request, paginator, endpoint.records_key, what=label):
        for record in records:
            for row in endpoint.to_rows(record):
                if window is None or endpoint.in_window(row, window):
                    yield row
